// Users (MANAGE_USERS): search, permissions, a new password, clear data, delete. Destructive
// actions ask first and name the user.
import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { currentLogin } from '../lib/auth';
import { formatDate } from '../lib/format';
import { useLoad } from '../lib/hooks';
import type { Items } from '../lib/types';
import { Button, Checkbox, Empty, ErrorBox, Modal, Page, Spinner, TextInput, toast, useConfirm } from '../ui/kit';

export const PERMISSIONS: [string, string][] = [
  ['VIEW_MODELS', 'See the model catalogue'],
  ['SUBMIT_WORK_REQUESTS', 'Submit molecules'],
  ['MANAGE_WORK_REQUESTS', 'See and manage everyone’s requests, statistics'],
  ['MANAGE_MODELS', 'Create, edit and enable models'],
  ['K8S_ADMIN', 'Model instances and resources'],
  ['MANAGE_USERS', 'Manage users'],
  ['ADMIN', 'Everything'],
];

interface HubUser {
  id: string; username: string; first_name: string; last_name: string; email: string | null;
  sign_up_date: string; permissions?: string[];
}

function PermissionsDialog({ user, onClose, onSaved }: { user: HubUser; onClose: () => void; onSaved: () => void }) {
  const [set, setSet] = useState<string[]>(user.permissions ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/users/${user.id}/permissions`, { method: 'PUT', body: { permissions: set } });
      toast(`Permissions of ${user.username} updated.`);
      onSaved();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`Permissions of ${user.username}`} open onClose={onClose}
      actions={<><Button onClick={onClose}>Cancel</Button><Button kind="primary" busy={busy} onClick={save}>Save permissions</Button></>}>
      {!user.permissions && <p class="notice">The hub did not say which permissions this user has now; saving sets exactly the ticked ones.</p>}
      {PERMISSIONS.map(([p, label]) => (
        <Checkbox key={p} label={<><code>{p}</code> — {label}</>} checked={set.includes(p)}
          onChange={(v) => setSet(v ? [...set, p] : set.filter((x) => x !== p))} />
      ))}
      {error && <ErrorBox error={error} />}
    </Modal>
  );
}

function PasswordDialog({ user, onClose }: { user: HubUser; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/users/${user.id}/password`, { method: 'PUT', body: { new_password: password, force: true } });
      toast(`New password set for ${user.username}; their sessions have ended.`);
      onClose();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`New password for ${user.username}`} open onClose={onClose}
      actions={<><Button onClick={onClose}>Cancel</Button><Button kind="primary" busy={busy} onClick={save} disabled={password.length < 10}>Set password</Button></>}>
      <TextInput label="New password" type="password" value={password} onValue={setPassword} autoComplete="new-password" hint="At least 10 characters. Tell the user through a safe channel." />
      {error && <ErrorBox error={error} />}
    </Modal>
  );
}

export function UsersPage({ username }: { username: string | null }) {
  const [q, setQ] = useState(username ?? '');
  const [field, setField] = useState('username_prefix');
  const users = useLoad(() => api<Items<HubUser>>('/api/users', { query: { [field]: q.trim() || undefined, limit: 200 } }), [q, field]);
  const [perm, setPerm] = useState<HubUser | null>(null);
  const [pw, setPw] = useState<HubUser | null>(null);
  const confirm = useConfirm();
  const me = currentLogin()?.user.id;
  return (
    <Page title="Users" lead="Accounts of this hub. Personal-key identities are not listed.">
      <div class="filters">
        <TextInput label="Search" type="search" value={q} onValue={setQ} placeholder="beginning of…" />
        <div class="field">
          <label for="user-field">In</label>
          <select id="user-field" value={field} onChange={(e) => setField((e.target as HTMLSelectElement).value)}>
            <option value="username_prefix">Username</option>
            <option value="email_prefix">Email</option>
            <option value="firstname_prefix">First name</option>
            <option value="lastname_prefix">Last name</option>
          </select>
        </div>
      </div>
      {users.loading && <Spinner label="Loading users…" />}
      {users.error && <ErrorBox error={users.error} onRetry={users.reload} />}
      {users.data && users.data.items.length === 0 && <Empty title="No user matches." />}
      {users.data && users.data.items.length > 0 && (
        <div class="table-wrap">
          <table class="stack">
            <thead><tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Permissions</th><th scope="col">Signed up</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.id} data-username={u.username}>
                  <td data-label="Username">{u.username}{u.id === me ? ' (you)' : ''}</td>
                  <td data-label="Name">{[u.first_name, u.last_name].filter(Boolean).join(' ') || '—'}</td>
                  <td data-label="Email" class="wide">{u.email ?? '—'}</td>
                  <td data-label="Permissions" class="small wide">{u.permissions ? u.permissions.join(', ') || 'none' : '—'}</td>
                  <td data-label="Signed up" class="small">{formatDate(u.sign_up_date)}</td>
                  <td class="actions">
                    <Button kind="ghost" onClick={() => setPerm(u)} aria-label={`Permissions of ${u.username}`}>Permissions</Button>
                    <Button kind="ghost" onClick={() => setPw(u)} aria-label={`New password for ${u.username}`}>New password</Button>
                    <Button kind="ghost" onClick={() => confirm.ask(`Clear the data of ${u.username}?`, 'All of this user’s requests and results are deleted. The account stays.', 'Clear data', async () => {
                      const r = await api<{ deleted?: number }>(`/api/users/${u.id}/data`, { method: 'DELETE' });
                      toast(`${r?.deleted ?? 0} requests of ${u.username} deleted.`);
                    })} aria-label={`Clear the data of ${u.username}`}>Clear data</Button>
                    <Button kind="danger" onClick={() => confirm.ask(`Delete ${u.username}?`, <>The account <strong>{u.username}</strong>, its requests, results, sessions and API keys are deleted. This cannot be undone.</>, 'Delete the user', async () => {
                      await api(`/api/users/${u.id}`, { method: 'DELETE' });
                      toast(`${u.username} deleted.`);
                      users.reload();
                    })} aria-label={`Delete ${u.username}`}>Delete</Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {perm && <PermissionsDialog user={perm} onClose={() => setPerm(null)} onSaved={() => { setPerm(null); users.reload(); }} />}
      {pw && <PasswordDialog user={pw} onClose={() => setPw(null)} />}
      {confirm.dialog}
    </Page>
  );
}
