// Getting in: account sign-in, sign-up, the personal-key start, and the forgotten-password
// flow (a token mailed by the hub, then a new password).
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api';
import { LAST_KEY, signIn, startAnonymous, useLogin } from '../lib/auth';
import { useSubmit } from '../lib/hooks';
import { navigate } from '../lib/router';
import { newKey, normaliseKey } from '../lib/session';
import { Button, ErrorBox, Link, Page, TextInput, toast } from '../ui/kit';
import { NewPasswordFields, newPasswordProblems, type NewPassword } from '../ui/password-fields';


export function SignInPage({ next }: { next: string | null }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await signIn(username.trim(), password);
    navigate(next && next.startsWith('/') ? next : '/requests', true);
  }, (err) => ((err as ApiError).status === 401 ? 'The username or password is not right.' : (err as Error).message));
  return (
    <Page title="Sign in">
      <div class="auth-layout">
        <form class="card form" onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
          <h2>With an account</h2>
          <TextInput label="Username" value={username} onValue={setUsername} autoComplete="username" required name="username" />
          <TextInput label="Password" type="password" value={password} onValue={setPassword} autoComplete="current-password" required name="password" />
          {error && <div id="signin-error"><ErrorBox error={error} /></div>}
          <Button kind="primary" type="submit" busy={busy} disabled={!username || !password}>Sign in</Button>
          <p class="muted"><Link href="/forgot-password">Forgot your password?</Link> · <Link href="/signup">Create an account</Link></p>
        </form>
        <KeyCard />
      </div>
    </Page>
  );
}

// Sign in again with a personal key someone kept.
function KeyCard({ title = 'With a personal key', offerNew = true }: { title?: string; offerNew?: boolean }) {
  const [key, setKey] = useState(localStorage.getItem(LAST_KEY) ?? '');
  const { busy, error, submit } = useSubmit(async () => {
    const canonical = normaliseKey(key);
    if (!canonical) throw new Error('A personal key looks like 1b4e28ba-2fa1-41d2-883f-0016d3cca427.');
    await startAnonymous(canonical);
    navigate('/requests', true);
  });
  return (
    <form class="card form" onSubmit={submit}>
      <h2>{title}</h2>
      <p class="muted">Paste the key you kept to see your earlier requests.</p>
      <TextInput label="Personal key" value={key} onValue={setKey} error={error} name="key" autoComplete="off" spellcheck={false} class="mono" />
      <Button kind="primary" type="submit" busy={busy} disabled={!key.trim()}>Continue with this key</Button>
      {offerNew && <p class="muted">No key yet? <Link href="/start">Get one</Link>.</p>}
    </form>
  );
}

export function StartPage() {
  const login = useLogin();
  const [key] = useState(() => newKey());
  const started = login?.session.auth_type === 'ErsiliaAnonymous' ? login.session.session_id : null;
  const shown = started ?? key;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown);
      toast('Key copied to the clipboard.');
    } catch {
      toast('Copying is not allowed here: select the key and copy it by hand.', 'info');
    }
  };
  const { busy, error, submit: start } = useSubmit(async () => {
    await startAnonymous(key);
  });
  return (
    <Page title="Start without an account" lead="A personal key is all you need: it identifies your requests and nothing else.">
      <div class="auth-layout">
        <div class="card form">
          <h2>Your personal key</h2>
          <p class="key mono" data-testid="personal-key" aria-label="Your personal key">{shown}</p>
          <Button onClick={copy}>Copy key</Button>
          <ul class="explain">
            <li><strong>Keep it.</strong> Store it in a password manager or a note. It is the only way back to your requests and results.</li>
            <li><strong>Reuse it</strong> on another computer or in another browser: choose <em>Sign in → With a personal key</em> and paste it.</li>
            <li><strong>Keep it secret.</strong> Anyone with the key can see your molecules and results.</li>
            <li>Requests made with a key are removed after a while; create an account to keep them and to contribute to the shared cache.</li>
          </ul>
          {started ? (
            <div class="row">
              <Link class="btn btn-primary" href="/submit">Submit molecules</Link>
              <Link class="btn btn-secondary" href="/requests">My requests</Link>
            </div>
          ) : (
            <>
              {error && <ErrorBox error={error} />}
              <Button kind="primary" busy={busy} onClick={() => start()}>I have kept my key — start</Button>
            </>
          )}
        </div>
        <KeyCard title="Already have a key?" offerNew={false} />
      </div>
    </Page>
  );
}

export function SignUpPage() {
  const [f, setF] = useState({ username: '', first_name: '', last_name: '', email: '' });
  const [pw, setPw] = useState<NewPassword>({ password: '', confirm: '' });
  const [touched, setTouched] = useState(false);
  const [fieldError, setFieldError] = useState<{ username?: string; email?: string }>({});
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const problems = {
    username: /^[A-Za-z0-9._-]{3,64}$/.test(f.username) ? null : '3–64 letters, digits, dots, dashes or underscores.',
    email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.email) ? null : 'An email address is required (for password resets).',
    ...newPasswordProblems(pw, f.username),
  };
  const { busy, error, submit } = useSubmit(async () => {
    setTouched(true);
    setFieldError({});
    if (Object.values(problems).some((p) => p !== null)) return;
    try {
      await api('/api/auth/signup', {
        body: { user: { username: f.username.trim(), first_name: f.first_name.trim(), last_name: f.last_name.trim(), email: f.email.trim() }, password: pw.password },
      });
    } catch (err) {
      const message = (err as Error).message;
      if ((err as ApiError).status !== 409) throw err;
      setFieldError(/email/i.test(message) ? { email: message } : { username: message });
      return;
    }
    await signIn(f.username.trim(), pw.password);
    toast('Welcome! Your account is ready.');
    navigate('/submit', true);
  });
  const show = (k: 'username' | 'email') => (touched ? problems[k] : null);
  return (
    <Page title="Create an account" lead="An account keeps your requests and lets you contribute results to the shared cache.">
      <form class="card form narrow" onSubmit={submit} noValidate>
        <TextInput label="Username" value={f.username} onValue={set('username')} autoComplete="username" required name="username" error={fieldError.username ?? show('username')} />
        <div class="row-2">
          <TextInput label="First name" value={f.first_name} onValue={set('first_name')} autoComplete="given-name" name="first_name" />
          <TextInput label="Last name" value={f.last_name} onValue={set('last_name')} autoComplete="family-name" name="last_name" />
        </div>
        <TextInput label="Email" type="email" value={f.email} onValue={set('email')} autoComplete="email" required name="email" error={fieldError.email ?? show('email')} />
        <NewPasswordFields value={pw} onChange={setPw} username={f.username} show={touched} />
        {error && <ErrorBox error={error} />}
        <Button kind="primary" type="submit" busy={busy}>Create account</Button>
        <p class="muted">Already registered? <Link href="/signin">Sign in</Link>.</p>
      </form>
    </Page>
  );
}

export function ForgotPage() {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    await api('/api/users/forgot-password', { body: { username: username.trim(), email: email.trim() } });
    setSent(true);
  });
  return (
    <Page title="Forgot your password?">
      {sent ? (
        <div class="card narrow" role="status">
          <h2>Check your email</h2>
          <p>If the username and email belong to an account, a message with a reset link is on its way. The link works once and expires after an hour.</p>
          <p class="muted">No email? The hub may not be set up to send mail; an administrator can set a new password for you.</p>
          <Link href="/signin">Back to sign in</Link>
        </div>
      ) : (
        <form class="card form narrow" onSubmit={submit}>
          <p>Give your username and the email of your account; we send a link to choose a new password.</p>
          <TextInput label="Username" value={username} onValue={setUsername} autoComplete="username" required name="username" />
          <TextInput label="Email" type="email" value={email} onValue={setEmail} autoComplete="email" required name="email" />
          {error && <ErrorBox error={error} />}
          <Button kind="primary" type="submit" busy={busy} disabled={!username || !email}>Send the reset link</Button>
        </form>
      )}
    </Page>
  );
}

export function ResetPage({ token }: { token: string }) {
  const [pw, setPw] = useState<NewPassword>({ password: '', confirm: '' });
  const [done, setDone] = useState(false);
  const valid = Object.values(newPasswordProblems(pw)).every((p) => p === null);
  const { busy, error, submit } = useSubmit(async () => {
    if (!valid) return;
    await api('/api/users/reset-password', { body: { token, new_password: pw.password } });
    setDone(true);
  });
  return (
    <Page title="Choose a new password">
      {done ? (
        <div class="card narrow" role="status"><p>Your password is changed.</p><Link class="btn btn-primary" href="/signin">Sign in</Link></div>
      ) : !token ? (
        <div class="notice">This page needs the link from the reset email. <Link href="/forgot-password">Ask for one</Link>.</div>
      ) : (
        <form class="card form narrow" onSubmit={submit}>
          <NewPasswordFields value={pw} onChange={setPw} show={false} prefix="new" />
          {error && <ErrorBox error={error} />}
          <Button kind="primary" type="submit" busy={busy} disabled={!valid}>Set the password</Button>
        </form>
      )}
    </Page>
  );
}
