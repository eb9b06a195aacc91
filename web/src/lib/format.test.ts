import { describe, expect, it } from 'vitest';
import { formatBytes, formatCell, formatCount, formatDuration, formatPercent, isFinal } from './format';

describe('format', () => {
  it('durations', () => {
    expect(formatDuration(0.25)).toBe('250 ms');
    expect(formatDuration(4.24)).toBe('4.2 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(7260)).toBe('2 h 1 min');
    expect(formatDuration(null)).toBe('—');
  });
  it('bytes, counts, percents', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3.5 * 1024 * 1024)).toBe('3.5 MiB');
    expect(formatCount(1, 'molecule')).toBe('1 molecule');
    expect(formatCount(1200, 'molecule')).toBe('1,200 molecules');
    expect(formatPercent(0.9876)).toBe('98.8 %');
  });
  it('cells', () => {
    expect(formatCell(46.069)).toBe('46.069');
    expect(formatCell(0.123456789)).toBe('0.123457');
    expect(formatCell(null)).toBe('');
    expect(formatCell(3)).toBe('3');
  });
  it('final statuses', () => {
    expect(isFinal('COMPLETED')).toBe(true);
    expect(isFinal('PROCESSING')).toBe(false);
  });
});
