// Every work request, for MANAGE_WORK_REQUESTS: filters by model, status, kind of user, date.
import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import type { Items, Model, WorkRequest } from '../lib/types';
import { Empty, ErrorBox, Field, Page, Spinner, TextInput, toast, useConfirm } from '../ui/kit';
import { cancelRequest, RequestTable } from './requests';

const STATUSES = ['QUEUED', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'];

export function AdminRequestsPage() {
  const [model, setModel] = useState('');
  const [status, setStatus] = useState('');
  const [kind, setKind] = useState('');
  const [from, setFrom] = useState('');
  const [userId, setUserId] = useState('');
  const models = useLoad(() => api<Items<Model>>('/api/models'), []);
  const query = {
    limit: 200, model_ids: model ? [model] : undefined, request_statuses: status ? [status] : undefined,
    user_kind: kind || undefined, user_id: userId.trim() || undefined,
    request_date_from: from ? `${from}T00:00:00.000000Z` : undefined,
  };
  const list = useLoad(() => api<Items<WorkRequest>>('/api/work-requests', { query }), [model, status, kind, from, userId], 5000);
  const confirm = useConfirm();
  const select = (label: string, value: string, set: (v: string) => void, options: [string, string][]) => (
    <Field label={label}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
          {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
      )}
    </Field>
  );
  return (
    <Page title="All requests" lead="Every work request on this hub, newest first. Molecules of other people stay hidden unless your permission allows them.">
      <div class="filters">
        {select('Model', model, setModel, [['', 'All models'], ...(models.data?.items ?? []).map((m): [string, string] => [m.id, m.id])])}
        {select('Status', status, setStatus, [['', 'Any status'], ...STATUSES.map((s): [string, string] => [s, s.charAt(0) + s.slice(1).toLowerCase()])])}
        {select('Submitted by', kind, setKind, [['', 'Anyone'], ['user', 'Accounts'], ['anonymous', 'Personal keys']])}
        <TextInput label="User id" value={userId} onValue={setUserId} placeholder="exact id" />
        <TextInput label="Submitted from" type="date" value={from} onValue={setFrom} />
      </div>
      {list.loading && <Spinner label="Loading requests…" />}
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && list.data.items.length === 0 && <Empty title="No request matches these filters." />}
      {list.data && list.data.items.length > 0 && (
        <RequestTable items={list.data.items} showUser onCancel={(r) => confirm.ask(`Cancel request ${r.id}?`, `It belongs to user ${r.user_id}. Computed rows stay available.`, 'Cancel the request', async () => {
          await cancelRequest(r.id);
          toast(`Request ${r.id} cancelled.`);
          list.reload();
        })} />
      )}
      {confirm.dialog}
    </Page>
  );
}
