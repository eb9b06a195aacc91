// One's own identity: the personal key, or the account with a password change, and the
// self-service clear-data and delete (both confirmed).
import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { signOut, useLogin } from '../lib/auth';
import { useSubmit } from '../lib/hooks';
import { navigate } from '../lib/router';
import { Button, Dl, ErrorBox, Page, TextInput, toast, useConfirm } from '../ui/kit';
import { NewPasswordFields, newPasswordProblems, type NewPassword } from '../ui/password-fields';

export function AccountPage() {
  const login = useLogin()!;
  const confirm = useConfirm();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState<NewPassword>({ password: '', confirm: '' });
  const anonymous = login.session.auth_type === 'ErsiliaAnonymous';
  const valid = Object.values(newPasswordProblems(next, login.user.username)).every((p) => p === null);
  const { busy, error, submit: change } = useSubmit(async () => {
    await api(`/api/users/${login.user.id}/password`, { method: 'PUT', body: { current_password: current, new_password: next.password } });
    toast('Password changed.');
    setCurrent('');
    setNext({ password: '', confirm: '' });
  });
  return (
    <Page title={anonymous ? 'Your personal key' : 'Your account'}>
      <div class="two-col">
        <div class="card">
          {anonymous ? (
            <>
              <p class="key mono">{login.session.session_id}</p>
              <p>Keep this key to come back to your requests from any browser: <em>Sign in → With a personal key</em>.</p>
            </>
          ) : (
            <Dl items={[['Username', login.user.username], ['Name', [login.user.first_name, login.user.last_name].filter(Boolean).join(' ') || '—'], ['Email', login.user.email ?? '—'], ['Permissions', login.permissions.join(', ')]]} />
          )}
        </div>
        {!anonymous && (
          <form class="card form" onSubmit={change}>
            <h2>Change password</h2>
            <TextInput label="Current password" type="password" value={current} onValue={setCurrent} autoComplete="current-password" />
            <NewPasswordFields value={next} onChange={setNext} username={login.user.username} show={false} prefix="new" />
            {error && <ErrorBox error={error} />}
            <Button kind="primary" type="submit" busy={busy} disabled={!current || !valid}>Change password</Button>
          </form>
        )}
      </div>
      <section class="card danger-zone">
        <h2>Delete data</h2>
        <div class="row">
          <Button kind="danger" onClick={() => confirm.ask('Delete all your requests?', 'Every request and result of this identity is deleted.', 'Delete my requests', async () => {
            const r = await api<{ deleted?: number }>(`/api/users/${login.user.id}/data`, { method: 'DELETE' });
            toast(`${r?.deleted ?? 0} requests deleted.`);
          })}>Delete my requests</Button>
          {!anonymous && <Button kind="danger" onClick={() => confirm.ask('Delete your account?', 'Your account, requests, results and API keys are deleted. This cannot be undone.', 'Delete my account', async () => {
            await api(`/api/users/${login.user.id}`, { method: 'DELETE' });
            await signOut();
            navigate('/');
          })}>Delete my account</Button>}
        </div>
      </section>
      {confirm.dialog}
    </Page>
  );
}
