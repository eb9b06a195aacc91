// Active model instances (K8S_ADMIN): state, CPU and memory over time (sampled while the page
// is open), logs, stop.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { formatBytes, formatDate, formatDuration } from '../lib/format';
import { useLoad } from '../lib/hooks';
import type { Items, Model } from '../lib/types';
import { Sparkline } from '../ui/charts';
import { Button, Dl, Empty, ErrorBox, Field, Modal, Page, Spinner, toast, useConfirm } from '../ui/kit';

interface Instance {
  model_instance: {
    model_id: string; instance_id: string; state: string; termination_reason: string | null;
    created_at: string; ready_at: string | null; uptime_seconds: number;
    cpu_millicores: number | null; memory_bytes: number | null;
    instance_details: { backend?: string; resources?: { cpu_limit: number | null; memory_limit: number | null } };
    current_work: { holder: string; since: string; rows: number }[];
    counters: { chunks: number; rows: number };
  };
  last_event: { log_event: string; log_timestamp: string } | null;
}

type History = Record<string, { cpu: number[]; mem: number[] }>;

function Logs({ instance, onClose }: { instance: string; onClose: () => void }) {
  const logs = useLoad(() => api<{ logs: string[] }>(`/api/instances/${encodeURIComponent(instance)}/logs`, { query: { tail: 200 } }), [instance], 3000);
  return (
    <Modal title={`Logs of ${instance}`} open onClose={onClose} actions={<Button onClick={onClose}>Close</Button>}>
      {logs.loading && <Spinner label="Loading logs…" />}
      {logs.error && <ErrorBox error={logs.error} onRetry={logs.reload} />}
      {logs.data && (logs.data.logs.length === 0 ? <Empty title="No log lines yet." /> : <pre class="logs" tabIndex={0}>{logs.data.logs.join('\n')}</pre>)}
    </Modal>
  );
}

export function InstancesPage() {
  const list = useLoad(() => api<Items<Instance>>('/api/instances'), [], 2000);
  const models = useLoad(() => api<Items<Model>>('/api/models'), []);
  const [logs, setLogs] = useState<string | null>(null);
  const [start, setStart] = useState('');
  const [starting, setStarting] = useState(false);
  const history = useRef<History>({});
  const [, force] = useState(0);
  const confirm = useConfirm();

  // Keep the last 60 samples of each instance while the page is open.
  useEffect(() => {
    for (const it of list.data?.items ?? []) {
      const m = it.model_instance;
      const h = (history.current[m.instance_id] ??= { cpu: [], mem: [] });
      h.cpu = [...h.cpu, m.cpu_millicores ?? 0].slice(-60);
      h.mem = [...h.mem, m.memory_bytes ?? 0].slice(-60);
    }
    force((n) => n + 1);
  }, [list.data]);

  const startInstance = async () => {
    setStarting(true);
    try {
      await api('/api/instances/actions', { body: { action: 'START_INSTANCE', model_id: start } });
      toast(`Starting an instance of ${start}.`);
      list.reload();
    } catch (e) {
      toast((e as Error).message, 'error');
    } finally {
      setStarting(false);
    }
  };

  return (
    <Page title="Instances" lead="Model instances running now. CPU and memory are sampled every 2 s while this page is open; the lines show the last two minutes.">
      <div class="filters">
        <Field label="Start an instance of">
          {(id) => (
            <select id={id} value={start} onChange={(e) => setStart((e.target as HTMLSelectElement).value)}>
              <option value="">Choose a model</option>
              {(models.data?.items ?? []).filter((m) => m.enabled).map((m) => <option key={m.id} value={m.id}>{m.id}</option>)}
            </select>
          )}
        </Field>
        <Button kind="secondary" disabled={!start} busy={starting} onClick={startInstance}>Start</Button>
      </div>
      {list.loading && <Spinner label="Loading instances…" />}
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && list.data.items.length === 0 && <Empty title="No instance is running."><p>Instances start when requests need them and stop when idle.</p></Empty>}
      <ul class="grid">
        {(list.data?.items ?? []).map((it) => {
          const m = it.model_instance;
          const h = history.current[m.instance_id] ?? { cpu: [], mem: [] };
          return (
            <li class="card instance" key={m.instance_id}>
              <h2 class="mono">{m.model_id}</h2>
              <p class="muted mono small">{m.instance_id}</p>
              <p><span class={`pill pill-state-${m.state.toLowerCase()}`}>{m.state}</span>{m.termination_reason ? ` · ${m.termination_reason}` : ''}</p>
              <Dl items={[
                ['Up for', formatDuration(m.uptime_seconds)],
                ['Started', formatDate(m.created_at)],
                ['Backend', m.instance_details.backend ?? '—'],
                ['Work', m.current_work.length ? `${m.current_work.reduce((s, w) => s + w.rows, 0)} rows` : 'idle'],
                ['Rows done', m.counters.rows.toLocaleString('en')],
                ['Last event', it.last_event ? `${it.last_event.log_event}, ${formatDate(it.last_event.log_timestamp)}` : '—'],
              ]} />
              <div class="metrics">
                <div>
                  <span class="metric-label">CPU {m.cpu_millicores != null ? `${Math.round(m.cpu_millicores)} m` : '—'}{m.instance_details.resources?.cpu_limit ? ` / ${m.instance_details.resources.cpu_limit} m` : ''}</span>
                  <Sparkline values={h.cpu} label={`CPU of ${m.instance_id} over time`} />
                </div>
                <div>
                  <span class="metric-label">Memory {formatBytes(m.memory_bytes)}{m.instance_details.resources?.memory_limit ? ` / ${m.instance_details.resources.memory_limit} MiB` : ''}</span>
                  <Sparkline values={h.mem} label={`Memory of ${m.instance_id} over time`} color="var(--accent)" />
                </div>
              </div>
              <div class="row">
                <Button onClick={() => setLogs(m.instance_id)}>Logs</Button>
                <Button kind="danger" onClick={() => confirm.ask(`Stop ${m.instance_id}?`, 'Chunks it is running go back to the queue and run elsewhere.', 'Stop the instance', async () => {
                  await api('/api/instances/actions', { body: { action: 'STOP_INSTANCE', instance_id: m.instance_id, model_id: m.model_id } });
                  toast('Instance termination requested.');
                  list.reload();
                })}>Stop</Button>
              </div>
            </li>
          );
        })}
      </ul>
      {logs && <Logs instance={logs} onClose={() => setLogs(null)} />}
      {confirm.dialog}
    </Page>
  );
}
