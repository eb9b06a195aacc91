// Getting in: account sign-in, sign-up, the personal-key start, and the forgotten-password
// flow (a token mailed by the hub, then a new password).
import { useState } from 'preact/hooks';
import { api, ApiError } from '../lib/api';
import { LAST_KEY, signIn, startAnonymous, useLogin } from '../lib/auth';
import { navigate } from '../lib/router';
import { newKey, normaliseKey } from '../lib/session';
import { Button, ErrorBox, Link, Page, TextInput, toast } from '../ui/kit';

const MIN_PASSWORD = 10;

export function SignInPage({ next }: { next: string | null }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username.trim(), password);
      navigate(next && next.startsWith('/') ? next : '/requests', true);
    } catch (err) {
      const status = (err as ApiError).status;
      setError(status === 401 ? 'The username or password is not right.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const canonical = normaliseKey(key);
    if (!canonical) {
      setError('A personal key looks like 1b4e28ba-2fa1-41d2-883f-0016d3cca427.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await startAnonymous(canonical);
      navigate('/requests', true);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
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
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      await startAnonymous(key);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
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
              <Button kind="primary" busy={busy} onClick={start}>I have kept my key — start</Button>
            </>
          )}
        </div>
        <KeyCard title="Already have a key?" offerNew={false} />
      </div>
    </Page>
  );
}

function passwordProblem(password: string, username: string): string | null {
  if (password.length < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters.`;
  if (password === username) return 'The password cannot be the username.';
  return null;
}

export function SignUpPage() {
  const [f, setF] = useState({ username: '', first_name: '', last_name: '', email: '', password: '', confirm: '' });
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<{ username?: string; email?: string }>({});
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const problems = {
    username: /^[A-Za-z0-9._-]{3,64}$/.test(f.username) ? null : '3–64 letters, digits, dots, dashes or underscores.',
    email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.email) ? null : 'An email address is required (for password resets).',
    password: passwordProblem(f.password, f.username),
    confirm: f.confirm === f.password ? null : 'The two passwords differ.',
  };
  const valid = Object.values(problems).every((p) => p === null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setTouched(true);
    if (!valid) return;
    setBusy(true);
    setError(null);
    setFieldError({});
    try {
      await api('/api/auth/signup', {
        body: { user: { username: f.username.trim(), first_name: f.first_name.trim(), last_name: f.last_name.trim(), email: f.email.trim() }, password: f.password },
      });
      await signIn(f.username.trim(), f.password);
      toast('Welcome! Your account is ready.');
      navigate('/submit', true);
    } catch (err) {
      const message = (err as Error).message;
      if ((err as ApiError).status === 409) setFieldError(/email/i.test(message) ? { email: message } : { username: message });
      else setError(message);
    } finally {
      setBusy(false);
    }
  };
  const show = (k: keyof typeof problems) => (touched ? problems[k] : null);
  return (
    <Page title="Create an account" lead="An account keeps your requests and lets you contribute results to the shared cache.">
      <form class="card form narrow" onSubmit={submit} noValidate>
        <TextInput label="Username" value={f.username} onValue={set('username')} autoComplete="username" required name="username" error={fieldError.username ?? show('username')} />
        <div class="row-2">
          <TextInput label="First name" value={f.first_name} onValue={set('first_name')} autoComplete="given-name" name="first_name" />
          <TextInput label="Last name" value={f.last_name} onValue={set('last_name')} autoComplete="family-name" name="last_name" />
        </div>
        <TextInput label="Email" type="email" value={f.email} onValue={set('email')} autoComplete="email" required name="email" error={fieldError.email ?? show('email')} />
        <TextInput label="Password" type="password" value={f.password} onValue={set('password')} autoComplete="new-password" required name="password" hint={`At least ${MIN_PASSWORD} characters; a passphrase of a few words works well.`} error={show('password')} />
        <TextInput label="Repeat the password" type="password" value={f.confirm} onValue={set('confirm')} autoComplete="new-password" required name="confirm" error={show('confirm')} />
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
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/api/users/forgot-password', { body: { username: username.trim(), email: email.trim() } });
      setSent(true);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
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
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const problem = password && password.length < MIN_PASSWORD ? `Use at least ${MIN_PASSWORD} characters.` : null;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (problem || password !== confirm) return;
    setBusy(true);
    setError(null);
    try {
      await api('/api/users/reset-password', { body: { token, new_password: password } });
      setDone(true);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page title="Choose a new password">
      {done ? (
        <div class="card narrow" role="status"><p>Your password is changed.</p><Link class="btn btn-primary" href="/signin">Sign in</Link></div>
      ) : !token ? (
        <div class="notice">This page needs the link from the reset email. <Link href="/forgot-password">Ask for one</Link>.</div>
      ) : (
        <form class="card form narrow" onSubmit={submit}>
          <TextInput label="New password" type="password" value={password} onValue={setPassword} autoComplete="new-password" error={problem} name="new_password" />
          <TextInput label="Repeat the new password" type="password" value={confirm} onValue={setConfirm} autoComplete="new-password" error={confirm && confirm !== password ? 'The two passwords differ.' : null} name="confirm" />
          {error && <ErrorBox error={error} />}
          <Button kind="primary" type="submit" busy={busy} disabled={!password || password !== confirm}>Set the password</Button>
        </form>
      )}
    </Page>
  );
}
