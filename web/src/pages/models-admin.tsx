// Model management (MANAGE_MODELS): create, edit, enable or disable, import identification
// details, clear the cache; with K8S_ADMIN also the resource recommendations and Apply.
import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { can } from '../lib/auth';
import { formatDate } from '../lib/format';
import { useLoad } from '../lib/hooks';
import type { IdentificationDetails, ImportResult, Items, Model, ModelDetails } from '../lib/types';
import { Button, Checkbox, Empty, ErrorBox, Field, Modal, Page, Spinner, TextInput, toast, useConfirm } from '../ui/kit';

function blankDetails(): ModelDetails {
  return {
    template_version: '0.0.0', description: '', disable_memory_limit: false, max_instances: -1, execution_mode: 'ASYNC',
    k8s_resources: { cpu_request: 100, cpu_limit: 1000, memory_request: 256, memory_limit: 2048 },
    image_tag: 'latest', cache_enabled: false, identification_details: null,
  };
}

interface Form {
  id: string;
  enabled: boolean;
  details: ModelDetails;
  last_updated: string | null;
}

const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);

function ModelForm({ initial, creating, onClose, onSaved }: { initial: Form; creating: boolean; onClose: () => void; onSaved: () => void }) {
  const [f, setF] = useState<Form>(initial);
  const [busy, setBusy] = useState(false);
  const [importing, setImporting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ident = f.details.identification_details ?? {};
  const setDetails = (d: Partial<ModelDetails>) => setF({ ...f, details: { ...f.details, ...d } });
  const setIdent = (d: Partial<IdentificationDetails>) => setDetails({ identification_details: { ...ident, ...d } });
  const setRes = (k: keyof ModelDetails['k8s_resources'], v: string) => setDetails({ k8s_resources: { ...f.details.k8s_resources, [k]: Number(v) } });

  const importDetails = async () => {
    setImporting(true);
    try {
      const d = await api<IdentificationDetails>(`/api/models/${encodeURIComponent(f.id)}/identification-details`);
      setF({ ...f, details: { ...f.details, description: f.details.description || d.description || '', identification_details: { ...ident, ...d } } });
      toast('Details imported from the Ersilia catalogue.');
    } catch (e) {
      toast(`Could not import details: ${(e as Error).message}`, 'error');
    } finally {
      setImporting(false);
    }
  };
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = { id: f.id.trim(), enabled: f.enabled, details: f.details, ...(creating ? {} : { last_updated: f.last_updated }) };
      if (creating) await api('/api/models', { body });
      else await api(`/api/models/${encodeURIComponent(f.id)}`, { method: 'PUT', body });
      toast(`Model ${f.id} saved.`);
      onSaved();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const r = f.details.k8s_resources;
  return (
    <Modal title={creating ? 'New model' : `Edit ${f.id}`} open onClose={onClose}
      actions={<><Button onClick={onClose}>Cancel</Button><Button kind="primary" busy={busy} onClick={save} disabled={!f.id.trim() || !f.details.description.trim()}>Save</Button></>}>
      <div class="row-2">
        <TextInput label="Model id" value={f.id} onValue={(v) => setF({ ...f, id: v })} disabled={!creating} hint="e.g. eos3b5e" />
        <TextInput label="Image tag" value={f.details.image_tag} onValue={(v) => setDetails({ image_tag: v })} />
      </div>
      <Field label="Description">
        {(id) => <textarea id={id} rows={3} value={f.details.description} onInput={(e) => setDetails({ description: (e.target as HTMLTextAreaElement).value })} />}
      </Field>
      <div class="row-2">
        <Checkbox label="Enabled" checked={f.enabled} onChange={(v) => setF({ ...f, enabled: v })} />
        <Checkbox label="Cache results" checked={f.details.cache_enabled} onChange={(v) => setDetails({ cache_enabled: v })} />
      </div>
      <div class="row-4">
        <TextInput label="CPU request (m)" type="number" value={String(r.cpu_request)} onValue={(v) => setRes('cpu_request', v)} />
        <TextInput label="CPU limit (m)" type="number" value={String(r.cpu_limit ?? '')} onValue={(v) => setRes('cpu_limit', v)} />
        <TextInput label="Memory request (MiB)" type="number" value={String(r.memory_request)} onValue={(v) => setRes('memory_request', v)} />
        <TextInput label="Memory limit (MiB)" type="number" value={String(r.memory_limit ?? '')} onValue={(v) => setRes('memory_limit', v)} />
      </div>
      <div class="row-2">
        <TextInput label="Max instances (-1: no limit)" type="number" value={String(f.details.max_instances)} onValue={(v) => setDetails({ max_instances: Number(v) })} />
        <Field label="Execution mode">
          {(id) => (
            <select id={id} value={f.details.execution_mode} onChange={(e) => setDetails({ execution_mode: (e.target as HTMLSelectElement).value as 'SYNC' | 'ASYNC' })}>
              <option value="ASYNC">ASYNC</option><option value="SYNC">SYNC</option>
            </select>
          )}
        </Field>
      </div>
      <h3>Identification details <Button kind="ghost" busy={importing} onClick={importDetails} disabled={!f.id.trim()}>Import from the Ersilia catalogue</Button></h3>
      <div class="row-2">
        <TextInput label="Title" value={ident.title ?? ''} onValue={(v) => setIdent({ title: v })} />
        <TextInput label="Slug" value={ident.slug ?? ''} onValue={(v) => setIdent({ slug: v })} />
        <TextInput label="Publication" value={ident.publication ?? ''} onValue={(v) => setIdent({ publication: v })} />
        <TextInput label="Source code" value={ident.source_code ?? ''} onValue={(v) => setIdent({ source_code: v })} />
        <TextInput label="Target organisms (comma-separated)" value={(ident.target_organisms ?? []).join(', ')} onValue={(v) => setIdent({ target_organisms: list(v) })} />
        <TextInput label="Biomedical areas (comma-separated)" value={(ident.biomedical_areas ?? []).join(', ')} onValue={(v) => setIdent({ biomedical_areas: list(v) })} />
      </div>
      <TextInput label="Interpretation" value={ident.interpretation ?? ''} onValue={(v) => setIdent({ interpretation: v })} />
      {error && <ErrorBox error={error} />}
    </Modal>
  );
}

type Source = 'file' | 'url' | 'configured';
const RESULT_WORDS: Record<ImportResult['result'], string> = {
  UPDATED: 'Details updated', UNCHANGED: 'Already up to date', CREATED: 'Registered (disabled)', NOT_IN_CATALOG: 'Not in the catalogue',
};

// The body of POST /api/models/import for the chosen source; throws a readable error for a
// file that is not a JSON catalogue.
async function importBody(source: Source, file: File | null, url: string, ids: string[], createMissing: boolean) {
  const options = { ...(ids.length ? { model_ids: ids, create_missing: createMissing } : {}) };
  if (source === 'url') return { url: url.trim(), ...options };
  if (source === 'configured') return options;
  let catalog: unknown;
  try {
    catalog = JSON.parse(await file!.text());
  } catch (e) {
    throw new Error(`${file!.name} is not JSON: ${(e as Error).message}`);
  }
  return { catalog, ...options };
}

// Import identification details from an Ersilia catalogue (a JSON array of model records):
// an uploaded file, a URL the hub fetches, or the hub's configured catalogue.
function ImportDialog({ onClose, onImported }: { onClose: () => void; onImported: () => void }) {
  const [source, setSource] = useState<Source>('file');
  const [file, setFile] = useState<File | null>(null);
  const [url, setUrl] = useState('');
  const [ids, setIds] = useState('');
  const [createMissing, setCreateMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [results, setResults] = useState<ImportResult[] | null>(null);
  const ready = source === 'configured' || (source === 'file' ? !!file : /^https?:\/\/\S+$/.test(url.trim()));
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = await importBody(source, file, url, list(ids), createMissing);
      const res = await api<{ items: ImportResult[] }>('/api/models/import', { body });
      setResults(res.items);
      toast(`${res.items.filter((r) => r.result === 'UPDATED' || r.result === 'CREATED').length} models changed by the import.`);
      onImported();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const choices: [Source, string][] = [['file', 'A catalogue file (JSON)'], ['url', 'A URL the hub fetches'], ['configured', 'The hub’s configured catalogue']];
  return (
    <Modal title="Import identification details" open onClose={onClose}
      actions={<><Button onClick={onClose}>{results ? 'Close' : 'Cancel'}</Button><Button kind="primary" busy={busy} disabled={!ready} onClick={run}>Import</Button></>}>
      <p class="muted">Titles, descriptions, interpretations, publications, source code, organisms and areas from an Ersilia catalogue (a JSON list of model records) are copied into the registered models.</p>
      <fieldset class="radios">
        <legend>Catalogue</legend>
        {choices.map(([value, label]) => (
          <label key={value}><input type="radio" name="import-source" checked={source === value} onChange={() => { setSource(value); setResults(null); }} /> {label}</label>
        ))}
      </fieldset>
      {source === 'file' && (
        <Field label="Catalogue file" hint="For example the catalog.json of the Ersilia Model Hub.">
          {(id, d) => <input id={id} aria-describedby={d} type="file" accept=".json,application/json" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />}
        </Field>
      )}
      {source === 'url' && <TextInput label="Catalogue URL" type="url" value={url} onValue={setUrl} placeholder="https://…/catalog.json" />}
      <TextInput label="Only these models (comma-separated ids)" value={ids} onValue={setIds} hint="Empty: every registered model." />
      {list(ids).length > 0 && <Checkbox label="Register listed models that are missing (disabled until you enable them)" checked={createMissing} onChange={setCreateMissing} />}
      {error && <ErrorBox error={error} />}
      {results && (
        <div class="table-wrap" data-testid="import-results">
          <table>
            <caption>What the import did</caption>
            <thead><tr><th scope="col">Model</th><th scope="col">Result</th></tr></thead>
            <tbody>{results.map((r) => <tr key={r.model_id}><td class="mono">{r.model_id}</td><td>{RESULT_WORDS[r.result] ?? r.result}</td></tr>)}</tbody>
          </table>
        </div>
      )}
    </Modal>
  );
}

interface Recommendation { recommended_value: number | null; current_allocation_value: number; current_allocation_profile_state?: { state: string } }
interface ModelRecs { model_id: string; cpu_min: Recommendation; cpu_max: Recommendation; memory_min: Recommendation; memory_max: Recommendation; profiled_instances: number; last_updated: string | null }

function Recommendations() {
  const recs = useLoad(() => api<{ last_updated: string | null; model_recommendations: ModelRecs[] }>('/api/recommendations'), []);
  const confirm = useConfirm();
  const cell = (r: Recommendation) => `${Math.round(r.current_allocation_value)} → ${r.recommended_value != null ? Math.round(r.recommended_value) : '—'}`;
  return (
    <section class="card" aria-labelledby="recs">
      <h2 id="recs">Resource recommendations</h2>
      <p class="muted">From measured CPU and memory of past instances. Current allocation → recommended (CPU in millicores, memory in MiB).</p>
      {recs.loading && <Spinner label="Loading recommendations…" />}
      {recs.error && <ErrorBox error={recs.error} onRetry={recs.reload} />}
      {recs.data && recs.data.model_recommendations.length === 0 && <Empty title="No recommendations yet: they need finished instances to measure." />}
      {recs.data && recs.data.model_recommendations.length > 0 && (
        <div class="table-wrap">
          <table class="stack">
            <thead><tr><th scope="col">Model</th><th scope="col">Instances measured</th><th scope="col">CPU request</th><th scope="col">CPU limit</th><th scope="col">Memory request</th><th scope="col">Memory limit</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {recs.data.model_recommendations.map((r) => (
                <tr key={r.model_id}>
                  <td data-label="Model" class="mono">{r.model_id}</td><td data-label="Instances measured">{r.profiled_instances}</td>
                  <td data-label="CPU request">{cell(r.cpu_min)}</td><td data-label="CPU limit">{cell(r.cpu_max)}</td><td data-label="Memory request">{cell(r.memory_min)}</td><td data-label="Memory limit">{cell(r.memory_max)}</td>
                  <td class="actions">{[r.cpu_min, r.cpu_max, r.memory_min, r.memory_max].every((x) => x.recommended_value == null) ? <span class="muted small">not measured yet</span> : <Button onClick={() => confirm.ask(`Apply recommendations to ${r.model_id}?`, 'The model’s CPU and memory requests and limits change to the recommended values; new instances use them.', 'Apply', async () => {
                    await api('/api/recommendations/apply', { body: { recommendations: r } });
                    toast(`Recommendations applied to ${r.model_id}.`);
                    recs.reload();
                  })}>Apply</Button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirm.dialog}
    </section>
  );
}

export function ModelsAdminPage() {
  const models = useLoad(() => api<Items<Model>>('/api/models'), []);
  const [q, setQ] = useState('');
  const [form, setForm] = useState<{ f: Form; creating: boolean } | null>(null);
  const [importing, setImporting] = useState(false);
  const confirm = useConfirm();
  const items = (models.data?.items ?? []).filter((m) => m.id.includes(q.trim().toLowerCase()) || (m.details.identification_details?.title ?? '').toLowerCase().includes(q.trim().toLowerCase()));

  // Optimistic: the box flips at once and flips back when the hub refuses.
  const replace = (m: Model) => models.data && models.setData({ items: models.data.items.map((x) => (x.id === m.id ? m : x)) });
  const toggle = async (m: Model) => {
    replace({ ...m, enabled: !m.enabled });
    try {
      const saved = await api<Model>(`/api/models/${m.id}`, { method: 'PUT', body: { id: m.id, enabled: !m.enabled, details: m.details, last_updated: m.last_updated } });
      replace(saved);
      toast(`${m.id} ${m.enabled ? 'disabled' : 'enabled'}.`);
    } catch (e) {
      replace(m);
      toast((e as Error).message, 'error');
    }
  };
  return (
    <Page title="Manage models" actions={<>
      <Button onClick={() => setImporting(true)}>Import details</Button>
      <Button kind="primary" onClick={() => setForm({ f: { id: '', enabled: true, details: blankDetails(), last_updated: null }, creating: true })}>New model</Button>
    </>}>
      <div class="filters"><TextInput label="Search" type="search" value={q} onValue={setQ} placeholder="id or title" /></div>
      {models.loading && <Spinner label="Loading models…" />}
      {models.error && <ErrorBox error={models.error} onRetry={models.reload} />}
      {models.data && items.length === 0 && <Empty title="No model matches." />}
      {items.length > 0 && (
        <div class="table-wrap">
          <table class="stack models-table">
            <thead><tr><th scope="col">Enabled</th><th scope="col">Model</th><th scope="col">Resources</th><th scope="col">Mode</th><th scope="col">Cache</th><th scope="col">Updated</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {items.map((m) => {
                const r = m.details.k8s_resources;
                return (
                  <tr key={m.id} data-model-id={m.id}>
                    <td class="toggle-cell">
                      <label class="toggle">
                        <input type="checkbox" checked={m.enabled} onChange={() => toggle(m)} aria-label={`${m.id} enabled`} />
                        <span class="toggle-text" aria-hidden="true">{m.enabled ? 'Enabled' : 'Disabled'}</span>
                      </label>
                    </td>
                    <td data-label="Model" class="model-cell"><span class="mono">{m.id}</span><br /><span class="small muted">{m.details.identification_details?.title}</span></td>
                    <td data-label="Resources" class="small">CPU {r.cpu_request}–{r.cpu_limit ?? '∞'} m<br />Memory {r.memory_request}–{m.details.disable_memory_limit ? '∞' : r.memory_limit ?? '∞'} MiB</td>
                    <td data-label="Mode">{m.details.execution_mode}</td>
                    <td data-label="Cache">{m.details.cache_enabled ? 'Yes' : 'No'}</td>
                    <td data-label="Updated" class="small date">{formatDate(m.last_updated)}</td>
                    <td class="actions">
                      <Button kind="ghost" onClick={() => setForm({ f: { id: m.id, enabled: m.enabled, details: m.details, last_updated: m.last_updated }, creating: false })} aria-label={`Edit ${m.id}`}>Edit</Button>
                      <Button kind="ghost" onClick={() => confirm.ask(`Clear the cache of ${m.id}?`, 'Every cached result of this model is deleted; later requests compute them again.', 'Clear the cache', async () => {
                        const res = await api<{ deleted: number }>(`/api/models/${m.id}/cache`, { method: 'DELETE' });
                        toast(`${res.deleted} cached results of ${m.id} deleted.`);
                      })} aria-label={`Clear the cache of ${m.id}`}>Clear cache</Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {can('K8S_ADMIN') && <Recommendations />}
      {importing && <ImportDialog onClose={() => setImporting(false)} onImported={models.reload} />}
      {form && <ModelForm initial={form.f} creating={form.creating} onClose={() => setForm(null)} onSaved={() => { setForm(null); models.reload(); }} />}
      {confirm.dialog}
    </Page>
  );
}
