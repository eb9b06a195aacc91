// The statistics dashboard (MANAGE_WORK_REQUESTS): requests per day, success rate, and
// processing time by model and by input size, from /api/work-request-stats.
import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { csvLine } from '../lib/csv';
import { formatDuration, formatPercent } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { BarChart, LineChart, StackedBarChart } from '../ui/charts';
import { Button, Empty, ErrorBox, Field, Page, Spinner } from '../ui/kit';

interface Day { day: string; total: number; completed: number; failed: number; molecules: number }
type Row = Record<string, number | string> & { model_id: string; input_size: number; total_count: number; success_count: number; failed_count: number };

function sizeBucket(n: number): string {
  if (n <= 10) return '1–10';
  if (n <= 100) return '11–100';
  if (n <= 1000) return '101–1k';
  if (n <= 10000) return '1k–10k';
  return '>10k';
}
const BUCKETS = ['1–10', '11–100', '101–1k', '1k–10k', '>10k'];

export function StatsPage() {
  const [days, setDays] = useState(30);
  const from = new Date(Date.now() - days * 86400_000).toISOString().replace(/\.\d+Z$/, '.000000Z');
  const daily = useLoad(() => api<{ days: Day[] }>('/api/work-request-stats/daily', { query: { days } }), [days]);
  const byModel = useLoad(() => api<{ stats: Row[] }>('/api/work-request-stats', { query: { request_date_from: from } }), [days]);
  const bySize = useLoad(() => api<{ stats: Row[] }>('/api/work-request-stats', { query: { request_date_from: from, group_by: ['ModelId', 'InputSize'] } }), [days]);

  // Fill missing days so the axis is continuous.
  const dayList: Day[] = [];
  const have = new Map((daily.data?.days ?? []).map((d) => [d.day, d]));
  for (let i = days - 1; i >= 0; i--) {
    const key = new Date(Date.now() - i * 86400_000).toISOString().slice(0, 10);
    dayList.push(have.get(key) ?? { day: key, total: 0, completed: 0, failed: 0, molecules: 0 });
  }
  const totals = dayList.reduce((a, d) => ({ total: a.total + d.total, completed: a.completed + d.completed, failed: a.failed + d.failed }), { total: 0, completed: 0, failed: 0 });
  const models = byModel.data?.stats ?? [];
  const sizeRows = bySize.data?.stats ?? [];
  const bucketTime = BUCKETS.map((b) => {
    const rows = sizeRows.filter((r) => sizeBucket(r.input_size) === b);
    const n = rows.reduce((s, r) => s + r.total_count, 0);
    return n ? rows.reduce((s, r) => s + Number(r.avg_all_request_time) * r.total_count, 0) / n : 0;
  });

  const exportCsv = () => {
    const header = ['model_id', 'total_count', 'success_count', 'failed_count', 'avg_all_request_time', 'avg_all_job_execution_time', 'avg_all_request_start_time'];
    const text = [csvLine(header), ...models.map((r) => csvLine(header.map((h) => r[h])))].join('\n') + '\n';
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    a.download = 'ersiliahub_stats.csv';
    a.click();
  };
  const loading = daily.loading || byModel.loading || bySize.loading;
  const error = daily.error || byModel.error || bySize.error;
  return (
    <Page title="Statistics" actions={<Button onClick={exportCsv} disabled={!models.length}>Download CSV</Button>}>
      <div class="filters">
        <Field label="Period">
          {(id) => (
            <select id={id} value={days} onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}>
              <option value={7}>Last 7 days</option><option value={30}>Last 30 days</option><option value={90}>Last 90 days</option><option value={365}>Last year</option>
            </select>
          )}
        </Field>
      </div>
      {loading && <Spinner label="Loading statistics…" />}
      {error && <ErrorBox error={error} onRetry={() => { daily.reload(); byModel.reload(); bySize.reload(); }} />}
      {!loading && !error && (
        <>
          <div class="tiles">
            <div class="tile"><span class="tile-value">{totals.total.toLocaleString('en')}</span><span>requests</span></div>
            <div class="tile"><span class="tile-value">{formatPercent(totals.completed + totals.failed ? totals.completed / (totals.completed + totals.failed) : null)}</span><span>succeeded</span></div>
            <div class="tile"><span class="tile-value">{totals.failed.toLocaleString('en')}</span><span>failed</span></div>
            <div class="tile"><span class="tile-value">{dayList.reduce((s, d) => s + d.molecules, 0).toLocaleString('en')}</span><span>molecules</span></div>
          </div>
          {totals.total === 0 && <Empty title="No requests in this period." />}
          {totals.total > 0 && (
            <div class="charts">
              <div class="card"><StackedBarChart title="Requests per day" integer labels={dayList.map((d) => d.day.slice(5))}
                series={[{ name: 'Completed', color: 'var(--ok)', values: dayList.map((d) => d.completed) }, { name: 'Failed', color: 'var(--bad)', values: dayList.map((d) => d.failed) }, { name: 'Other', color: 'var(--muted-fill)', values: dayList.map((d) => d.total - d.completed - d.failed) }]} /></div>
              <div class="card"><LineChart title="Success rate" unit="%" labels={dayList.map((d) => d.day.slice(5))}
                series={[{ name: 'Success rate', color: 'var(--brand)', values: dayList.map((d) => (d.completed + d.failed ? (100 * d.completed) / (d.completed + d.failed) : NaN)) }]} format={(v) => `${Math.round(v)}`} /></div>
              <div class="card"><BarChart title="Processing time by model" unit="average" labels={models.map((m) => m.model_id)} format={(v) => formatDuration(v)}
                series={[{ name: 'Waiting', color: 'var(--muted-fill)', values: models.map((m) => Number(m.avg_all_request_start_time)) }, { name: 'Running', color: 'var(--brand)', values: models.map((m) => Number(m.avg_all_job_execution_time)) }]} /></div>
              <div class="card"><BarChart title="Processing time by input size" unit="rows; average, end to end" labels={BUCKETS} format={(v) => formatDuration(v)}
                series={[{ name: 'End to end', color: 'var(--accent)', values: bucketTime }]} /></div>
            </div>
          )}
          {models.length > 0 && (
            <div class="table-wrap card">
              <table class="stack">
                <caption>By model</caption>
                <thead><tr><th scope="col">Model</th><th scope="col">Requests</th><th scope="col">Succeeded</th><th scope="col">Failed</th><th scope="col">Avg wait</th><th scope="col">Avg run</th><th scope="col">Max end to end</th></tr></thead>
                <tbody>{models.map((m) => (
                  <tr key={m.model_id}><td data-label="Model" class="mono wide">{m.model_id}</td><td data-label="Requests">{m.total_count}</td><td data-label="Succeeded">{m.success_count}</td><td data-label="Failed">{m.failed_count}</td>
                    <td data-label="Avg wait">{formatDuration(Number(m.avg_all_request_start_time))}</td><td data-label="Avg run">{formatDuration(Number(m.avg_all_job_execution_time))}</td><td data-label="Max end to end">{formatDuration(Number(m.max_all_request_time))}</td></tr>
                ))}</tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Page>
  );
}
