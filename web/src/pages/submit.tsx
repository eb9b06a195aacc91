// Submitting molecules: choose a model, paste SMILES or pick a file, say whether the first
// line is a header, and check the preview (first rows, rows the hub will reject) first.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { useLogin } from '../lib/auth';
import { previewInput, type HeaderChoice, type Preview } from '../lib/csv';
import { formatBytes, formatCount } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { navigate } from '../lib/router';
import { modelSearchText, modelTitle, type Items, type Model, type WorkRequest } from '../lib/types';
import { Button, Checkbox, ErrorBox, Field, Link, Page, Spinner, TextInput, toast, useId } from '../ui/kit';

const PREVIEW_BYTES = 2 << 20;
const EXAMPLE = 'smiles\nCCO\nCC(=O)Oc1ccccc1C(=O)O\nCN1C=NC2=C1C(=O)N(C(=O)N2C)C\n';

function PreviewTable({ preview, rejected }: { preview: Preview; rejected?: boolean }) {
  const rows = rejected ? preview.rejected : preview.rows;
  return (
    <div class="table-wrap">
      <table class="preview">
        <caption class="sr-only">{rejected ? 'Rows that will be rejected' : 'First rows'}</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            {preview.columns.map((c, i) => <th scope="col" key={i}>{c}{i === preview.smilesColumn ? ' (SMILES)' : ''}</th>)}
            <th scope="col">Check</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.line} class={r.problem ? 'row-bad' : ''}>
              <td>{r.line}</td>
              {preview.columns.map((_, i) => <td key={i} class={i === preview.smilesColumn ? 'mono' : ''} title={r.cells[i]}>{r.cells[i] ?? ''}</td>)}
              <td class="check">{r.problem ? <span class="bad">✗ {r.problem}</span> : <span class="good">✓ looks fine</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function HeaderChoiceField({ value, onChange }: { value: HeaderChoice; onChange: (v: HeaderChoice) => void }) {
  const name = useId('hdr');
  const options: [HeaderChoice, string][] = [['auto', 'Detect it'], ['yes', 'The first line is a header'], ['no', 'No header: every line is a molecule']];
  return (
    <fieldset class="radios">
      <legend>Header line</legend>
      {options.map(([v, label]) => (
        <label key={v}>
          <input type="radio" name={name} value={v} checked={value === v} onChange={() => onChange(v)} /> {label}
        </label>
      ))}
    </fieldset>
  );
}

export function SubmitPage({ model: initial }: { model: string | null }) {
  const login = useLogin();
  const registered = login?.session.auth_type === 'ErsiliaUser';
  const models = useLoad(() => api<Items<Model>>('/api/models'), []);
  const [search, setSearch] = useState('');
  const [modelId, setModelId] = useState(initial ?? '');
  const [mode, setMode] = useState<'paste' | 'file'>('paste');
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [fileText, setFileText] = useState('');
  const [header, setHeader] = useState<HeaderChoice>('auto');
  const [cache, setCache] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const selectId = useId('model');

  const enabled = (models.data?.items ?? []).filter((m) => m.enabled);
  const shown = enabled.filter((m) => m.id === modelId || modelSearchText(m).includes(search.trim().toLowerCase()));
  const model = enabled.find((m) => m.id === modelId);
  useEffect(() => {
    if (!modelId && shown.length === 1) setModelId(shown[0].id);
  }, [search, models.data]);

  const source = mode === 'paste' ? text : fileText;
  const preview = useMemo(() => (source.trim() ? previewInput(source, header) : null), [source, header]);
  const partial = mode === 'file' && file && file.size > PREVIEW_BYTES;

  const pick = async (f: File | null) => {
    setFile(f);
    setFileText(f ? await f.slice(0, PREVIEW_BYTES).text() : '');
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!model || !preview) return;
    setBusy(true);
    setError(null);
    try {
      let created: WorkRequest;
      const cacheOptIn = registered && model.details.cache_enabled && cache;
      if (mode === 'file' && file) {
        const form = new FormData();
        form.append('model_id', model.id);
        form.append('has_header', String(preview.hasHeader));
        if (preview.hasHeader) form.append('smiles_column', preview.columns[preview.smilesColumn]);
        form.append('cache_opt_in', String(cacheOptIn));
        form.append('file', file, file.name);
        created = await api<WorkRequest>('/api/work-requests', { method: 'POST', body: form });
      } else {
        const all = previewInput(text, header, Number.MAX_SAFE_INTEGER);
        created = await api<WorkRequest>('/api/work-requests', {
          body: { model_id: model.id, request_payload: { entries: all.rows.map((r) => r.smiles), cache_opt_in: cacheOptIn, has_header: false } },
        });
      }
      toast(`Request ${created.id} submitted to ${model.id}.`);
      navigate(`/requests/${created.id}`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Submit molecules" lead="Results come back in the order of your input, one row per molecule.">
      <form class="form submit-form" onSubmit={submit}>
        <div class="card">
          <h2>1. Model</h2>
          {models.loading && <Spinner label="Loading models…" />}
          {models.error && <ErrorBox error={models.error} onRetry={models.reload} />}
          {models.data && (
            <div class="row-2">
              <TextInput label="Find a model" type="search" value={search} onValue={setSearch} placeholder="e.g. weight, logP, eos3b5e" />
              <Field label="Model">
                {(id, d) => (
                  <select id={id} aria-describedby={d} value={modelId} required onChange={(e) => setModelId((e.target as HTMLSelectElement).value)}>
                    <option value="">Choose a model ({shown.length})</option>
                    {shown.map((m) => <option key={m.id} value={m.id}>{m.id} — {modelTitle(m)}</option>)}
                  </select>
                )}
              </Field>
            </div>
          )}
          {model && <p class="muted" id={selectId}>{model.details.identification_details?.interpretation || model.details.description} <Link href={`/models/${model.id}`}>About this model</Link></p>}
        </div>

        <div class="card">
          <h2>2. Molecules</h2>
          <div class="tabs" role="tablist" aria-label="Input">
            <button type="button" role="tab" aria-selected={mode === 'paste'} class={mode === 'paste' ? 'tab tab-on' : 'tab'} onClick={() => setMode('paste')}>Paste SMILES</button>
            <button type="button" role="tab" aria-selected={mode === 'file'} class={mode === 'file' ? 'tab tab-on' : 'tab'} onClick={() => setMode('file')}>Upload a file</button>
          </div>
          {mode === 'paste' ? (
            <Field label="SMILES, one per line (a CSV with a SMILES column works too)" hint={<>Try the <button type="button" class="linklike" onClick={() => setText(EXAMPLE)}>example</button>.</>}>
              {(id, d) => <textarea id={id} aria-describedby={d} rows={8} class="mono" value={text} spellcheck={false} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />}
            </Field>
          ) : (
            <Field label="CSV, TSV or SMI file" hint={file ? `${file.name}, ${formatBytes(file.size)}` : 'A CSV with a SMILES column, or one SMILES per line.'}>
              {(id, d) => <input id={id} aria-describedby={d} type="file" accept=".csv,.tsv,.smi,.txt,text/csv,text/plain" onChange={(e) => pick((e.target as HTMLInputElement).files?.[0] ?? null)} />}
            </Field>
          )}
          <HeaderChoiceField value={header} onChange={setHeader} />
        </div>

        {preview && (
          <div class="card" aria-live="polite">
            <h2>3. Check</h2>
            <p data-testid="preview-summary">
              {partial ? 'In the first part of the file: ' : ''}
              <strong>{formatCount(preview.total, 'row')}</strong>, {formatCount(preview.valid, 'molecule')} look fine
              {preview.total - preview.valid > 0 && <>, <strong class="bad">{preview.total - preview.valid} will be rejected</strong></>}.{' '}
              {preview.hasHeader ? <>The first line is read as a header{header === 'auto' ? ' (detected)' : ''}.</> : <>Every line is read as a molecule{header === 'auto' ? ' (no header detected)' : ''}.</>}
            </p>
            <h3>First rows</h3>
            <PreviewTable preview={preview} />
            {preview.rejected.length > 0 && (
              <>
                <h3>Rows that will be rejected</h3>
                <PreviewTable preview={preview} rejected />
              </>
            )}
            <p class="muted">This is a quick check in your browser; the hub checks every molecule with RDKit and reports any it cannot read per row.</p>
          </div>
        )}

        <div class="card">
          {registered && model?.details.cache_enabled && (
            <Checkbox label="Contribute these results to the shared cache" checked={cache} onChange={setCache}
              hint="Molecules you compute are stored so that anyone running the same molecules with this model gets them at once. Your identity is not shared." />
          )}
          {!registered && model?.details.cache_enabled && <p class="muted">Registered users can contribute results to the shared cache.</p>}
          {error && <ErrorBox error={error} />}
          <Button kind="primary" type="submit" busy={busy} disabled={!model || !preview || preview.valid === 0 || (mode === 'file' && !file)}>
            Submit {preview ? (partial ? 'the file' : formatCount(preview.total, 'row')) : ''}
          </Button>
        </div>
      </form>
    </Page>
  );
}
