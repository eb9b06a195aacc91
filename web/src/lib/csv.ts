// The submit page's preview: parses what a person pasted or picked (CSV, TSV, SMILES lists),
// finds the SMILES column, and applies a cheap syntax check so rows the hub will reject are
// shown before submitting. The hub's RDKit check stays the authority; this one only catches
// what is plainly not a SMILES (spaces, unknown characters, unbalanced brackets).

export type HeaderChoice = 'auto' | 'yes' | 'no';

export interface PreviewRow {
  line: number; // 1-based line in the input
  smiles: string;
  cells: string[];
  problem: string | null;
}

export interface Preview {
  delimiter: string;
  hasHeader: boolean;
  headerDetected: boolean; // `hasHeader` came from looking at the first line
  columns: string[]; // header names, or "column 1".. without a header
  smilesColumn: number;
  total: number; // data rows
  valid: number;
  rows: PreviewRow[]; // the first `limit` data rows
  rejected: PreviewRow[]; // the first `limit` rejected rows
}

const KNOWN_COLUMNS = ['smiles', 'input', 'canonical_smiles', 'smiles_string', 'molecule', 'mol'];
// Words such as `name` or `Inchikey`: a column name, not a molecule.
const HEADER_WORD = /^[A-Z]?[a-z_]{2,}[0-9]*$/;
const SMILES_CHARS = /^[A-Za-z0-9@+\-\[\]()\\/%=#$.:~*]+$/;

// Splits one line on `delimiter`, honouring RFC 4180 quotes.
export function splitCsvLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"' && cell === '') {
      quoted = true;
    } else if (c === delimiter) {
      out.push(cell);
      cell = '';
    } else {
      cell += c;
    }
  }
  out.push(cell);
  return out.map((v) => v.trim());
}

// null when `text` could be a SMILES; otherwise why not, in words.
export function smilesProblem(text: string): string | null {
  const s = text.trim();
  if (s === '') return 'empty';
  if (/\s/.test(s)) return 'contains a space';
  if (!SMILES_CHARS.test(s)) return 'contains characters a SMILES cannot have';
  let depth = 0;
  let bracket = false;
  for (const c of s) {
    if (c === '[') {
      if (bracket) return 'nested [';
      bracket = true;
    } else if (c === ']') {
      if (!bracket) return 'unbalanced ]';
      bracket = false;
    } else if (!bracket && c === '(') {
      depth++;
    } else if (!bracket && c === ')') {
      if (--depth < 0) return 'unbalanced )';
    }
  }
  if (bracket) return 'unclosed [';
  if (depth !== 0) return 'unclosed (';
  if (!/[A-Za-z*]/.test(s)) return 'has no atoms';
  return null;
}

function detectDelimiter(lines: string[]): string {
  const sample = lines.slice(0, 5);
  for (const d of ['\t', ',', ';']) {
    if (sample.length > 0 && sample.every((l) => l.includes(d))) return d;
  }
  return sample.some((l) => l.includes('\t')) ? '\t' : ',';
}

function findSmilesColumn(header: string[] | null, data: string[][]): number {
  if (header) {
    const lower = header.map((h) => h.toLowerCase());
    for (const name of KNOWN_COLUMNS) {
      const i = lower.indexOf(name);
      if (i >= 0) return i;
    }
  }
  const width = Math.max(1, ...data.slice(0, 20).map((r) => r.length));
  let best = 0;
  let bestScore = -1;
  for (let c = 0; c < width; c++) {
    const score = data.slice(0, 20).filter((r) => r[c] && smilesProblem(r[c]) === null).length;
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

// The first line is a header when it names a known column, or when it is not a SMILES while
// the lines after it are (the rule the hub applies when `has_header` is absent).
function looksLikeHeader(first: string[], rest: string[][]): boolean {
  if (first.some((c) => KNOWN_COLUMNS.includes(c.toLowerCase()))) return true;
  const plausible = (c: string) => smilesProblem(c) === null && !HEADER_WORD.test(c);
  const next = rest.slice(0, 5);
  return (
    !first.some(plausible) && next.length > 0 && next.every((r) => r.some(plausible))
  );
}

export function previewInput(text: string, header: HeaderChoice, limit = 10): Preview {
  const lines = text.split(/\r\n|\n|\r/).map((l) => l.replace(/^\uFEFF/, ''));
  const numbered = lines.map((l, i) => ({ l, line: i + 1 })).filter((x) => x.l.trim() !== '');
  const delimiter = detectDelimiter(numbered.map((x) => x.l));
  const table = numbered.map((x) => ({ cells: splitCsvLine(x.l, delimiter), line: x.line }));

  const detected = table.length > 0 && looksLikeHeader(table[0].cells, table.slice(1).map((r) => r.cells));
  const hasHeader = header === 'yes' || (header === 'auto' && detected);
  const headerCells = hasHeader && table.length > 0 ? table[0].cells : null;
  const data = hasHeader ? table.slice(1) : table;
  const smilesColumn = findSmilesColumn(headerCells, data.map((r) => r.cells));
  const width = Math.max(headerCells?.length ?? 0, ...data.slice(0, limit).map((r) => r.cells.length), 1);
  const columns = headerCells ?? Array.from({ length: width }, (_, i) => `column ${i + 1}`);

  const rows: PreviewRow[] = [];
  const rejected: PreviewRow[] = [];
  let valid = 0;
  for (const r of data) {
    const smiles = r.cells[smilesColumn] ?? '';
    const row = { line: r.line, smiles, cells: r.cells, problem: smilesProblem(smiles) };
    if (row.problem === null) valid++;
    else if (rejected.length < limit) rejected.push(row);
    if (rows.length < limit) rows.push(row);
  }
  return {
    delimiter, hasHeader, headerDetected: header === 'auto', columns, smilesColumn,
    total: data.length, valid, rows, rejected,
  };
}

// Parses a whole CSV text into rows (for reading downloads in tests and the stats export).
export function parseCsv(text: string): string[][] {
  return text.split(/\r\n|\n/).filter((l) => l !== '').map((l) => splitCsvLine(l, ','));
}

// One CSV line, quoting cells that need it (RFC 4180).
export function csvLine(cells: readonly unknown[]): string {
  return cells
    .map((c) => {
      const s = c == null ? '' : String(c);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}
