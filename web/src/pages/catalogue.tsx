// The model catalogue and one model's page. Readable before signing in when the hub's
// catalogue is public; otherwise the page says how to get in.
import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { can, useLogin } from '../lib/auth';
import { useLoad } from '../lib/hooks';
import { modelSearchText, modelTitle, type Items, type Model, type OutputColumn } from '../lib/types';
import { Button, Dl, Empty, ErrorBox, Link, Page, Spinner, TextInput } from '../ui/kit';

function SignInFirst() {
  return (
    <div class="notice">
      This hub shows its models to signed-in people only.{' '}
      <Link href="/signin">Sign in</Link> or <Link href="/start">start with a personal key</Link> — no account needed.
    </div>
  );
}

export const columnCount = (n: number) => `${n.toLocaleString('en')} output column${n === 1 ? '' : 's'}`;

function ModelCard({ model }: { model: Model }) {
  const d = model.details.identification_details;
  const count = model.details.output_column_count;
  const title = modelTitle(model);
  return (
    <li class="card model-card">
      <h2><Link href={`/models/${model.id}`}>{title}</Link></h2>
      <p class="muted small"><span class="mono">{model.id}</span>{count ? ` · ${columnCount(count)}` : ''}{model.details.cache_enabled ? ' · cached results' : ''}</p>
      <p class="clamp">{d?.description || model.details.description}</p>
      {d?.interpretation && <p class="muted clamp"><strong>Output:</strong> {d.interpretation}</p>}
      <div class="card-actions">
        {can('SUBMIT_WORK_REQUESTS') && (
          <Link class="btn btn-secondary" href={`/submit?model=${model.id}`} aria-label={`Submit molecules to ${title}`}>Submit molecules</Link>
        )}
        <Link class="btn btn-ghost" href={`/models/${model.id}`} aria-label={`Details of ${title}`}>Details</Link>
        {d?.publication && /^https?:\/\//.test(d.publication) && (
          <a class="small" href={d.publication} rel="noreferrer noopener" target="_blank" aria-label={`Publication of ${title} (opens a new tab)`}>Publication ↗</a>
        )}
      </div>
    </li>
  );
}

export function CataloguePage() {
  const login = useLogin();
  const [q, setQ] = useState('');
  const models = useLoad(() => api<Items<Model>>('/api/models'), [login?.session.session_id]);
  const list = (models.data?.items ?? []).filter((m) => m.enabled && modelSearchText(m).includes(q.trim().toLowerCase()));
  const locked = models.error && !login;
  return (
    <Page title="Models" lead="Predictions from the Ersilia Model Hub for batches of molecules. Pick a model, paste or upload SMILES, and download the results.">
      {locked ? <SignInFirst /> : (
        <>
          <div class="toolbar">
            <TextInput label="Search models" type="search" value={q} onValue={setQ} placeholder="name, id, area, organism…" />
            {models.data && <p class="muted" aria-live="polite">{list.length} of {models.data.items.filter((m) => m.enabled).length} models</p>}
          </div>
          {models.loading && <Spinner label="Loading models…" />}
          {models.error && <ErrorBox error={models.error} onRetry={models.reload} />}
          {models.data && list.length === 0 && <Empty title={q ? `No model matches “${q}”.` : 'No models are enabled yet.'} />}
          <ul class="grid">{list.map((m) => <ModelCard key={m.id} model={m} />)}</ul>
        </>
      )}
    </Page>
  );
}

const SHOWN_COLUMNS = 12;

// The columns of the model's results: the first few, and all of them on request (the
// fingerprint models have 2,048).
function OutputColumns({ columns }: { columns: OutputColumn[] }) {
  const [all, setAll] = useState(false);
  const shown = all ? columns : columns.slice(0, SHOWN_COLUMNS);
  const types = [...new Set(columns.map((c) => c.type))].join(', ');
  return (
    <>
      <p class="muted">{columnCount(columns.length)} ({types}), in this order in the CSV and JSON results. Direction (high or low) is as the model card declares it.</p>
      <div class="table-wrap">
        <table class="output-columns stack" aria-labelledby="output-columns">
          <thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Direction</th><th scope="col">Meaning</th></tr></thead>
          <tbody>
            {shown.map((c) => (
              <tr key={c.name}>
                <td class="mono" data-label="Column">{c.name}</td>
                <td data-label="Type">{c.type}</td>
                <td data-label="Direction">{c.direction ?? '—'}</td>
                <td data-label="Meaning" class="col-meaning">{c.description || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {columns.length > SHOWN_COLUMNS && (
        <Button kind="ghost" onClick={() => setAll(!all)} aria-expanded={all}>
          {all ? `Show the first ${SHOWN_COLUMNS} only` : `Show all ${columns.length.toLocaleString('en')} columns`}
        </Button>
      )}
    </>
  );
}

function ExternalLink({ href }: { href?: string | null }) {
  if (!href) return <>—</>;
  return /^https?:\/\//.test(href) ? <a href={href} rel="noreferrer noopener" target="_blank">{href}</a> : <>{href}</>;
}

export function ModelPage({ id }: { id: string }) {
  const login = useLogin();
  const model = useLoad(() => api<Model>(`/api/models/${encodeURIComponent(id)}`), [id, login?.session.session_id]);
  const m = model.data;
  const d = m?.details.identification_details ?? {};
  const columns = m?.details.output_columns ?? [];
  if (model.error) {
    return (
      <Page title="Model">
        {!login ? <SignInFirst /> : <ErrorBox error={model.error} onRetry={model.reload} />}
        <p><Link href="/">All models</Link></p>
      </Page>
    );
  }
  return (
    <Page title={m ? modelTitle(m) : 'Model'} lead={m && <span class="mono">{m.id}</span>}
      actions={m && can('SUBMIT_WORK_REQUESTS') && <Link class="btn btn-primary" href={`/submit?model=${m.id}`}>Submit molecules</Link>}>
      <p><Link href="/">← All models</Link></p>
      {model.loading && <Spinner label="Loading the model…" />}
      {m && (
        <div class="two-col">
          <div class="card">
            <h2>What it does</h2>
            <p>{d.description || m.details.description}</p>
            <h2>How to read the output</h2>
            <p>{d.interpretation || 'The model card gives no interpretation.'}</p>
            <h2 id="output-columns">Output columns</h2>
            {columns.length > 0 ? <OutputColumns columns={columns} />
              : <p class="muted">The hub does not list this model's columns; they appear with the first results.</p>}
          </div>
          <div class="card">
            <h2>About</h2>
            <Dl items={[
              ['Model id', <span class="mono">{m.id}</span>],
              ['Slug', d.slug],
              ['Publication', <ExternalLink href={d.publication} />, true],
              ['Source code', <ExternalLink href={d.source_code} />, true],
              ['Target organisms', (d.target_organisms ?? []).join(', ') || null],
              ['Biomedical areas', (d.biomedical_areas ?? []).join(', ') || null],
              ['Cached results', m.details.cache_enabled ? 'Yes — molecules computed before come back at once' : 'No'],
              ['Status', m.enabled ? 'Enabled' : 'Disabled'],
            ]} />
          </div>
        </div>
      )}
    </Page>
  );
}

