// My requests (live list with progress and cancel) and one request's page: status followed
// by Server-Sent Events, input beside results in a paged table, per-row errors, downloads.
import { useEffect, useState } from 'preact/hooks';
import { api, download, readEvents } from '../lib/api';
import { useLogin } from '../lib/auth';
import { formatCell, formatCount, formatDate, formatDuration, isFinal } from '../lib/format';
import { useLoad } from '../lib/hooks';
import type { Items, Progress, RowsPage, WorkRequest } from '../lib/types';
import { Button, Dl, Empty, ErrorBox, Link, Page, Pager, ProgressBar, Spinner, StatusPill, toast, useConfirm } from '../ui/kit';

export function ProgressCell({ r }: { r: WorkRequest }) {
  const p = r.progress;
  if (!p) return <>—</>;
  if (isFinal(r.request_status)) {
    return <span>{formatCount(p.molecules_done, 'molecule')}{p.molecules_failed ? `, ${p.molecules_failed} failed` : ''}</span>;
  }
  return (
    <div class="progress-cell">
      <ProgressBar percent={p.percent} label={`Request ${r.id} progress`} />
      <span class="muted">{p.percent} %{p.eta_seconds ? ` · about ${formatDuration(p.eta_seconds)} left` : ''}</span>
    </div>
  );
}

export function cancelRequest(id: number) {
  return api<WorkRequest>(`/api/work-requests/${id}/cancel`, { method: 'POST' });
}

export function RequestTable({ items, showUser, onCancel }: { items: WorkRequest[]; showUser?: boolean; onCancel?: (r: WorkRequest) => void }) {
  return (
    <div class="table-wrap">
      <table class="requests stack">
        <thead>
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Model</th>
            {showUser && <th scope="col">User</th>}
            <th scope="col">Submitted</th>
            <th scope="col">Rows</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} data-request-id={r.id}>
              <td data-label="Request"><Link href={`/requests/${r.id}`}>#{r.id}</Link></td>
              <td data-label="Model" class="mono">{r.model_id}</td>
              {showUser && <td data-label="User" class="mono small">{r.user_id.slice(0, 8)}</td>}
              <td data-label="Submitted" class="date">{formatDate(r.request_date)}</td>
              <td data-label="Rows">{r.input_size.toLocaleString('en')}</td>
              <td data-label="Status"><StatusPill status={r.request_status} /></td>
              <td data-label="Progress"><ProgressCell r={r} /></td>
              <td class="actions">
                {onCancel && !isFinal(r.request_status) && <Button kind="ghost" onClick={() => onCancel(r)} aria-label={`Cancel request ${r.id}`}>Cancel</Button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RequestsPage() {
  const login = useLogin();
  const list = useLoad(() => api<Items<WorkRequest>>('/api/work-requests', { query: { limit: 100, user_id: login?.user.id } }), [], 3000);
  const confirm = useConfirm();
  const anonymous = login?.session.auth_type === 'ErsiliaAnonymous';
  const onCancel = (r: WorkRequest) => confirm.ask(`Cancel request ${r.id}?`, 'Molecules already computed stay available; the rest are not run.', 'Cancel the request', async () => {
    await cancelRequest(r.id);
    toast(`Request ${r.id} cancelled.`);
    list.reload();
  });
  return (
    <Page title="My requests" lead={anonymous ? <>Requests made with your personal key <span class="mono">{login?.session.session_id}</span>.</> : undefined}
      actions={<Link class="btn btn-primary" href="/submit">Submit molecules</Link>}>
      {list.loading && <Spinner label="Loading your requests…" />}
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && list.data.items.length === 0 && (
        <Empty title="No requests yet.">
          <p>Submit molecules to a model; the request shows here with its progress.</p>
          <Link class="btn btn-primary" href="/submit">Submit molecules</Link>
        </Empty>
      )}
      {list.data && list.data.items.length > 0 && <RequestTable items={list.data.items} onCancel={onCancel} />}
      {confirm.dialog}
    </Page>
  );
}

const PAGE = 25;

function ResultsTable({ id, status, version }: { id: string; status: string; version: string }) {
  const [offset, setOffset] = useState(0);
  const rows = useLoad(() => api<RowsPage>(`/api/work-requests/${id}/rows`, { query: { offset, limit: PAGE } }), [id, offset]);
  useEffect(() => rows.reload(), [version]);
  if (rows.loading) return <Spinner label="Loading rows…" />;
  if (rows.error) return <ErrorBox error={rows.error} onRetry={rows.reload} />;
  const page = rows.data!;
  if (page.total === 0 || page.rows.length === 0) {
    return <Empty title={isFinal(status) ? 'This request has no rows.' : 'No rows yet.'}><p>Rows appear as soon as the hub has read the input.</p></Empty>;
  }
  const valuesOf = (v: unknown, i: number): unknown => (Array.isArray(v) ? v[i] : v && typeof v === 'object' ? (v as Record<string, unknown>)[page.columns[i]] : undefined);
  return (
    <>
      <div class="table-wrap">
        <table class="results" data-testid="results-table">
          <caption class="sr-only">Input and results, rows {offset + 1} to {offset + page.rows.length}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col" class="col-input">Input</th>
              {page.columns.map((c) => <th scope="col" class="num" key={c}>{c}</th>)}
            </tr>
          </thead>
          <tbody>
            {page.rows.map((r) => (
              <tr key={r.row} class={r.error ? 'row-bad' : ''}>
                <td>{r.row + 1}</td>
                <td class="mono col-input" title={r.input}>{r.input}</td>
                {r.error ? (
                  <td colSpan={Math.max(1, page.columns.length)} class="bad">✗ {r.error}</td>
                ) : r.values == null ? (
                  <td colSpan={Math.max(1, page.columns.length)} class="muted">pending</td>
                ) : page.columns.map((c, i) => <td key={c} class="num">{formatCell(valuesOf(r.values, i))}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager offset={offset} limit={PAGE} total={page.total} onChange={setOffset} />
    </>
  );
}

export function RequestPage({ id }: { id: string }) {
  const request = useLoad(() => api<WorkRequest>(`/api/work-requests/${id}`), [id]);
  const [live, setLive] = useState<(Progress & { request_status: string; request_status_reason: string | null }) | null>(null);
  const confirm = useConfirm();
  const r = request.data;
  const status = live?.request_status ?? r?.request_status ?? '';
  const progress = live ?? r?.progress;

  // Follow progress over SSE; when the stream ends or breaks, reload the record.
  useEffect(() => {
    if (!r || isFinal(r.request_status)) return;
    const controller = new AbortController();
    readEvents(`/api/work-requests/${id}/events`, (event, data) => {
      if (event === 'progress' || event === 'done') setLive(JSON.parse(data));
    }, controller.signal)
      .catch(() => {})
      .finally(() => {
        if (!controller.signal.aborted) setTimeout(request.reload, 300);
      });
    return () => controller.abort();
  }, [r?.id, r?.request_status]);

  if (request.loading) return <Page title={`Request ${id}`}><Spinner label="Loading the request…" /></Page>;
  if (request.error || !r) {
    return <Page title={`Request ${id}`}><ErrorBox error={request.error ?? 'Not found'} onRetry={request.reload} /><p><Link href="/requests">All my requests</Link></p></Page>;
  }
  const name = `ersiliahub_${r.model_id}_${r.id}`;
  const onCancel = () => confirm.ask(`Cancel request ${r.id}?`, 'Molecules already computed stay available; the rest are not run.', 'Cancel the request', async () => {
    await cancelRequest(r.id);
    toast(`Request ${r.id} cancelled.`);
    setLive(null);
    request.reload();
  });
  const dl = (format: string, ext: string) => download(`/api/work-requests/${r.id}/result?format=${format}&errors=true`, `${name}.${ext}`)
    .catch((e) => toast((e as Error).message, 'error'));
  const rejected = r.intake?.rejected_examples ?? [];
  return (
    <Page title={`Request ${r.id}`} lead={<>Model <Link href={`/models/${r.model_id}`} class="mono">{r.model_id}</Link> · submitted {formatDate(r.request_date)}</>}
      actions={
        <>
          {!isFinal(status) && <Button kind="danger" onClick={onCancel}>Cancel request</Button>}
          <Button onClick={() => dl('csv', 'csv')} disabled={!progress?.molecules_done}>Download CSV</Button>
          <Button onClick={() => dl('json', 'json')} disabled={!progress?.molecules_done}>Download JSON</Button>
        </>
      }>
      <p><Link href="/requests">← All my requests</Link></p>
      <div class="card status-card" aria-live="polite">
        <div class="status-line">
          <StatusPill status={status} />
          {progress && <ProgressBar percent={progress.percent} label="Progress" />}
          {progress && <span data-testid="progress-text">{progress.percent} %</span>}
        </div>
        {(live?.request_status_reason ?? r.request_status_reason) && <p class={status === 'FAILED' ? 'bad' : 'muted'}>{live?.request_status_reason ?? r.request_status_reason}</p>}
        {progress && (
          <Dl items={[
            ['Rows', progress.rows_total.toLocaleString('en')],
            ['Molecules', progress.molecules_total.toLocaleString('en')],
            ['Done', progress.molecules_done.toLocaleString('en')],
            ['From the cache', progress.molecules_cached.toLocaleString('en')],
            ['Failed', progress.molecules_failed.toLocaleString('en')],
            ['Not readable', progress.rows_invalid.toLocaleString('en')],
            ['Time left', isFinal(status) ? '—' : formatDuration(progress.eta_seconds)],
            ['Cache contribution', r.request_payload.cache_opt_in ? 'Yes' : 'No'],
          ]} />
        )}
        {rejected.length > 0 && (
          <details>
            <summary>Rows the hub could not read ({progress?.rows_invalid ?? rejected.length})</summary>
            <ul>{rejected.map((x, i) => <li key={i}>Row {x.row ?? '?'}: <span class="mono">{x.input}</span> — {x.reason}</li>)}</ul>
          </details>
        )}
      </div>
      <h2>Input and results</h2>
      <ResultsTable id={id} status={status} version={`${status}-${progress?.molecules_done ?? 0}`} />
      {confirm.dialog}
    </Page>
  );
}
