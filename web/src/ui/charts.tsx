// Small SVG charts: bars and lines with axes, labelled for screen readers with a data table.
import { useEffect, useState } from 'preact/hooks';

// A narrower drawing on phones, so that axis labels keep a readable size.
function useChartWidth(): number {
  const narrow = () => window.innerWidth < 720;
  const [small, setSmall] = useState(narrow());
  useEffect(() => {
    const on = () => setSmall(narrow());
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return small ? 360 : 600;
}

export interface Series {
  name: string;
  color: string;
  values: number[];
}

interface ChartProps {
  title: string;
  labels: string[];
  series: Series[];
  unit?: string;
  height?: number;
  format?: (v: number) => string;
  // Counts: whole-number axis ticks.
  integer?: boolean;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// The top of the axis: a round number, and for counts a multiple of the four tick gaps.
function axisMax(v: number, integer: boolean): number {
  return integer ? 4 * Math.max(1, Math.ceil(v / 4)) : niceMax(v);
}

function Frame({ title, labels, series, unit, height = 180, format = (v) => String(Math.round(v * 100) / 100), integer = false, kind }: ChartProps & { kind: 'bar' | 'line' | 'stack' }) {
  const width = useChartWidth();
  const pad = { l: 48, r: 12, t: 12, b: 40 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const totals = labels.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = axisMax(kind === 'stack' ? Math.max(0, ...totals) : Math.max(0, ...series.flatMap((s) => s.values.filter(Number.isFinite))), integer);
  const y = (v: number) => pad.t + h - (v / max) * h;
  const step = labels.length > 0 ? w / labels.length : w;
  const every = Math.max(1, Math.ceil(labels.length / (width < 600 ? 5 : 8)));
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);

  return (
    <figure class="chart">
      <figcaption>{title}{unit ? ` (${unit})` : ''}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title} chart`} preserveAspectRatio="xMidYMid meet">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={width - pad.r} y1={y(t)} y2={y(t)} class="grid" />
            <text x={pad.l - 6} y={y(t) + 4} text-anchor="end" class="tick">{format(t)}</text>
          </g>
        ))}
        {labels.map((l, i) => i % every === 0 && (
          <text key={l + i} x={pad.l + step * (i + 0.5)} y={height - pad.b + 16} text-anchor="middle" class="tick">{l}</text>
        ))}
        {kind === 'line'
          ? series.map((s) => {
              // Missing values (NaN) break the line instead of dropping it to zero.
              const segments: string[][] = [[]];
              s.values.forEach((v, i) => {
                if (Number.isFinite(v)) segments[segments.length - 1].push(`${pad.l + step * (i + 0.5)},${y(v)}`);
                else if (segments[segments.length - 1].length) segments.push([]);
              });
              return (
                <g key={s.name}>
                  {segments.filter((p) => p.length > 1).map((p, k) => <polyline key={k} fill="none" stroke={s.color} stroke-width="2.5" points={p.join(' ')} />)}
                  {s.values.map((v, i) => Number.isFinite(v) && <circle key={i} cx={pad.l + step * (i + 0.5)} cy={y(v)} r="3.5" fill={s.color}><title>{`${labels[i]}: ${format(v)}`}</title></circle>)}
                </g>
              );
            })
          : labels.map((_, i) => {
              let base = 0;
              const bw = kind === 'stack' ? step * 0.7 : (step * 0.8) / Math.max(1, series.length);
              return series.map((s, k) => {
                const v = s.values[i] ?? 0;
                const x = kind === 'stack' ? pad.l + step * i + step * 0.15 : pad.l + step * i + step * 0.1 + bw * k;
                const top = kind === 'stack' ? y(base + v) : y(v);
                const bottom = kind === 'stack' ? y(base) : y(0);
                base += v;
                return <rect key={`${i}-${s.name}`} x={x} y={top} width={Math.max(1, bw - 1)} height={Math.max(0, bottom - top)} fill={s.color}><title>{`${labels[i]} · ${s.name}: ${format(v)}`}</title></rect>;
              });
            })}
      </svg>
      {series.length > 1 && (
        <ul class="legend">
          {series.map((s) => <li key={s.name}><span class="swatch" style={{ background: s.color }} />{s.name}</li>)}
        </ul>
      )}
      <details class="chart-data">
        <summary>Data table</summary>
        <table>
          <thead><tr><th scope="col">Label</th>{series.map((s) => <th scope="col" key={s.name}>{s.name}</th>)}</tr></thead>
          <tbody>{labels.map((l, i) => <tr key={l + i}><th scope="row">{l}</th>{series.map((s) => <td key={s.name}>{Number.isFinite(s.values[i]) ? format(s.values[i]) : '—'}</td>)}</tr>)}</tbody>
        </table>
      </details>
    </figure>
  );
}

export const BarChart = (p: ChartProps) => <Frame {...p} kind="bar" />;
export const StackedBarChart = (p: ChartProps) => <Frame {...p} kind="stack" />;
export const LineChart = (p: ChartProps) => <Frame {...p} kind="line" />;

// A tiny trend line for instance cards.
export function Sparkline({ values, label, color = 'var(--brand)' }: { values: number[]; label: string; color?: string }) {
  const w = 160;
  const h = 36;
  const max = Math.max(1e-9, ...values);
  const pts = values.map((v, i) => `${values.length < 2 ? 0 : (i / (values.length - 1)) * w},${h - 2 - (v / max) * (h - 4)}`).join(' ');
  return (
    <svg class="sparkline" viewBox={`0 0 ${w} ${h}`} width={w} height={h} preserveAspectRatio="none" role="img" aria-label={label}>
      <polyline fill="none" stroke={color} stroke-width="2" vector-effect="non-scaling-stroke" points={pts} />
    </svg>
  );
}
