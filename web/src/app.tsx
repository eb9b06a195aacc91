// The shell: header with the identity, navigation built from the caller's permissions, and the
// routed page. Pages an identity may not use are neither linked nor rendered.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { can, endedReason, signOut, useLogin } from './lib/auth';
import { match, navigate, useRoute } from './lib/router';
import { Button, Link, Page, Toasts } from './ui/kit';
import { CataloguePage, ModelPage } from './pages/catalogue';
import { ForgotPage, ResetPage, SignInPage, SignUpPage, StartPage } from './pages/auth';
import { SubmitPage } from './pages/submit';
import { RequestPage, RequestsPage } from './pages/requests';
import { AdminRequestsPage } from './pages/admin-requests';
import { InstancesPage } from './pages/instances';
import { ModelsAdminPage } from './pages/models-admin';
import { UsersPage } from './pages/users';
import { StatsPage } from './pages/stats';
import { AccountPage } from './pages/account';

interface NavItem {
  href: string;
  label: string;
  permission?: string;
  signedIn?: boolean;
}

export const NAV: NavItem[] = [
  { href: '/', label: 'Models' },
  { href: '/submit', label: 'Submit', permission: 'SUBMIT_WORK_REQUESTS' },
  { href: '/requests', label: 'My requests', signedIn: true },
  { href: '/admin/requests', label: 'All requests', permission: 'MANAGE_WORK_REQUESTS' },
  { href: '/admin/instances', label: 'Instances', permission: 'K8S_ADMIN' },
  { href: '/admin/models', label: 'Manage models', permission: 'MANAGE_MODELS' },
  { href: '/admin/users', label: 'Users', permission: 'MANAGE_USERS' },
  { href: '/admin/stats', label: 'Statistics', permission: 'MANAGE_WORK_REQUESTS' },
];

interface RouteDef {
  pattern: string;
  title?: string;
  permission?: string;
  signedIn?: boolean;
  render: (params: Record<string, string>, query: URLSearchParams) => ComponentChildren;
}

const ROUTES: RouteDef[] = [
  { pattern: '/', render: () => <CataloguePage /> },
  { pattern: '/models/:id', render: (p) => <ModelPage id={p.id} /> },
  { pattern: '/signin', render: (_, q) => <SignInPage next={q.get('next')} /> },
  { pattern: '/signup', render: () => <SignUpPage /> },
  { pattern: '/start', render: () => <StartPage /> },
  { pattern: '/forgot-password', render: () => <ForgotPage /> },
  { pattern: '/reset-password', render: (_, q) => <ResetPage token={q.get('token') ?? ''} /> },
  { pattern: '/submit', title: 'Submit', permission: 'SUBMIT_WORK_REQUESTS', render: (_, q) => <SubmitPage model={q.get('model')} /> },
  { pattern: '/requests', title: 'My requests', signedIn: true, render: () => <RequestsPage /> },
  { pattern: '/requests/:id', title: 'Request', signedIn: true, render: (p) => <RequestPage id={p.id} /> },
  { pattern: '/account', title: 'Account', signedIn: true, render: () => <AccountPage /> },
  { pattern: '/admin/requests', title: 'All requests', permission: 'MANAGE_WORK_REQUESTS', render: () => <AdminRequestsPage /> },
  { pattern: '/admin/instances', title: 'Instances', permission: 'K8S_ADMIN', render: () => <InstancesPage /> },
  { pattern: '/admin/models', title: 'Manage models', permission: 'MANAGE_MODELS', render: () => <ModelsAdminPage /> },
  { pattern: '/admin/users', title: 'Users', permission: 'MANAGE_USERS', render: (_, q) => <UsersPage username={q.get('username')} /> },
  { pattern: '/admin/stats', title: 'Statistics', permission: 'MANAGE_WORK_REQUESTS', render: () => <StatsPage /> },
];

function Header() {
  const login = useLogin();
  const [open, setOpen] = useState(false);
  const { path } = useRoute();
  useEffect(() => setOpen(false), [path]);
  const items = NAV.filter((n) => (!n.permission || can(n.permission)) && (!n.signedIn || login));
  const anonymous = login?.session.auth_type === 'ErsiliaAnonymous';
  return (
    <header class="topbar">
      <a class="skip" href="#main">Skip to content</a>
      <Link href="/" class="brand" aria-label="Ersilia Hub, home">
        <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
          <path d="M4 8 L16 20 M10 4 L22 16 M16 4 L28 16 M4 14 L16 26 M28 8 L16 20 M22 4 L10 16 M16 4 L4 16 M28 14 L16 26" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" />
        </svg>
        <span>Ersilia Hub</span>
      </Link>
      <button type="button" class="menu-toggle" aria-expanded={open} aria-controls="nav" onClick={() => setOpen(!open)}>
        <span aria-hidden="true">☰</span> Menu
      </button>
      <nav id="nav" class={`nav${open ? ' nav-open' : ''}`} aria-label="Main">
        <ul>
          {items.map((n) => (
            <li key={n.href}>
              <Link href={n.href} aria-current={(n.href === '/' ? path === '/' || path.startsWith('/models') : path === n.href || (n.href === '/requests' && path.startsWith('/requests/'))) ? 'page' : undefined}>{n.label}</Link>
            </li>
          ))}
        </ul>
        <div class="identity">
          {login ? (
            <>
              <Link href="/account" class="who" title={anonymous ? 'Your personal key session' : 'Your account'}>
                {anonymous ? 'Personal key' : login.user.username}
              </Link>
              <Button kind="ghost" onClick={async () => { await signOut(); navigate('/'); }}>Sign out</Button>
            </>
          ) : (
            <>
              <Link href="/signin" class="btn btn-ghost">Sign in</Link>
              <Link href="/start" class="btn btn-primary">Start without an account</Link>
            </>
          )}
        </div>
      </nav>
    </header>
  );
}

function Forbidden({ permission }: { permission: string }) {
  return (
    <Page title="Not available">
      <div class="notice">This page needs the <code>{permission}</code> permission, which your identity does not have. Ask an administrator if you need it.</div>
      <p><Link href="/">Back to the models</Link></p>
    </Page>
  );
}

function NeedsSignIn({ path }: { path: string }) {
  return (
    <Page title="Sign in to continue">
      <div class="notice">{endedReason ?? 'This page belongs to a signed-in identity.'}</div>
      <div class="row">
        <Link class="btn btn-primary" href={`/signin?next=${encodeURIComponent(path)}`}>Sign in</Link>
        <Link class="btn btn-secondary" href="/start">Start with a personal key</Link>
      </div>
    </Page>
  );
}

export function App() {
  const login = useLogin();
  const { path, query } = useRoute();
  let content: ComponentChildren = (
    <Page title="Page not found"><p>There is no page at <code>{path}</code>. <Link href="/">Go to the models</Link>.</p></Page>
  );
  for (const r of ROUTES) {
    const params = match(r.pattern, path);
    if (!params) continue;
    if ((r.signedIn || r.permission) && !login) content = <NeedsSignIn path={path + location.search} />;
    else if (r.permission && !can(r.permission)) content = <Forbidden permission={r.permission} />;
    else content = r.render(params, query);
    break;
  }
  return (
    <>
      <Header />
      <main id="main" key={login?.session.userid ?? 'nobody'}>{content}</main>
      <footer class="footer">
        <span>Ersilia Hub</span> · <a href="/api/v1/docs/">API documentation</a>
      </footer>
      <Toasts />
    </>
  );
}
