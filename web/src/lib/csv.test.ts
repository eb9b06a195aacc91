import { describe, expect, it } from 'vitest';
import { csvLine, parseCsv, previewInput, smilesProblem, splitCsvLine } from './csv';

describe('smilesProblem', () => {
  it('accepts ordinary SMILES', () => {
    for (const s of ['CCO', 'c1ccccc1', 'C[C@H](N)C(=O)O', 'Cl.[Na+]', 'C/C=C\\C', 'C%10CC%10']) {
      expect(smilesProblem(s)).toBeNull();
    }
  });
  it('names what is wrong', () => {
    expect(smilesProblem('')).toBe('empty');
    expect(smilesProblem('C C')).toBe('contains a space');
    expect(smilesProblem('C!')).toBe('contains characters a SMILES cannot have');
    expect(smilesProblem('C(C')).toBe('unclosed (');
    expect(smilesProblem('CC)')).toBe('unbalanced )');
    expect(smilesProblem('[NH4+')).toBe('unclosed [');
    expect(smilesProblem('123')).toBe('has no atoms');
  });
});

describe('splitCsvLine', () => {
  it('honours quotes', () => {
    expect(splitCsvLine('a,"b,c","d""e"', ',')).toEqual(['a', 'b,c', 'd"e']);
  });
});

describe('previewInput', () => {
  it('detects a known header and the SMILES column', () => {
    const p = previewInput('inchikey,smiles\nAAA-BBB,CCO\nCCC-DDD,c1ccccc1\n', 'auto');
    expect(p.hasHeader).toBe(true);
    expect(p.columns).toEqual(['inchikey', 'smiles']);
    expect(p.smilesColumn).toBe(1);
    expect(p.total).toBe(2);
    expect(p.valid).toBe(2);
  });
  it('keeps the first molecule of a file without a header', () => {
    const p = previewInput('CCO\r\nCCN\r\nCCC\r\n', 'auto');
    expect(p.hasHeader).toBe(false);
    expect(p.total).toBe(3);
    expect(p.rows[0].smiles).toBe('CCO');
  });
  it('follows an explicit choice over detection', () => {
    expect(previewInput('CCO\nCCN\n', 'yes').total).toBe(1);
    expect(previewInput('smiles\nCCN\n', 'no').total).toBe(2);
  });
  it('lists rejected rows with their line numbers', () => {
    const p = previewInput('smiles\nCCO\nnot a molecule\nC(C\n', 'auto');
    expect(p.valid).toBe(1);
    expect(p.rejected.map((r) => [r.line, r.problem])).toEqual([
      [3, 'contains a space'],
      [4, 'unclosed ('],
    ]);
  });
  it('detects an unknown header word above SMILES', () => {
    expect(previewInput('molecules_here\nCCO\nCCN\n', 'auto').hasHeader).toBe(true);
  });
  it('reads tab-separated input', () => {
    const p = previewInput('id\tsmiles\n1\tCCO\n', 'auto');
    expect(p.delimiter).toBe('\t');
    expect(p.rows[0].smiles).toBe('CCO');
  });
});

describe('csvLine / parseCsv', () => {
  it('round-trips cells that need quotes', () => {
    const line = csvLine(['a', 'b,c', 'say "hi"', null]);
    expect(line).toBe('a,"b,c","say ""hi""",');
    expect(parseCsv(line + '\n')).toEqual([['a', 'b,c', 'say "hi"', '']]);
  });
});
