// Formatting shared by every page. Pure, so the unit tests pin the wording.
import { parseHubTime } from './session';

export function formatDate(text: string | null | undefined, locale?: string): string {
  const ms = parseHubTime(text);
  if (!Number.isFinite(ms)) return '—';
  return new Date(ms).toLocaleString(locale, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  });
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function formatCount(n: number | null | undefined, noun: string, plural = `${noun}s`): string {
  const value = n ?? 0;
  return `${value.toLocaleString('en')} ${value === 1 ? noun : plural}`;
}

export function formatPercent(fraction: number | null | undefined): string {
  if (fraction == null || !Number.isFinite(fraction)) return '—';
  return `${Math.round(fraction * 1000) / 10} %`;
}

// Result cells: numbers with at most 4 significant decimals, the rest as text.
export function formatCell(value: unknown): string {
  if (value == null) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    return String(Number(value.toPrecision(6)));
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export const STATUS_LABELS: Record<string, string> = {
  QUEUED: 'Queued',
  SCHEDULING: 'Scheduling',
  PROCESSING: 'Processing',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

export function isFinal(status: string): boolean {
  return status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED';
}
