// The signed-in identity: kept in localStorage, refreshed before it expires, shared with the
// pages through a tiny subscribe/notify store.
import { useEffect, useState } from 'preact/hooks';
import { api, setApiSession } from './api';
import {
  hasPermission, loginEncoding, refreshDelayMs, type Login, type Session,
} from './session';

const STORAGE = 'ersilia-hub.login';
export const LAST_KEY = 'ersilia-hub.anonymous-key';

let login: Login | null = load();
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

function load(): Login | null {
  try {
    const text = localStorage.getItem(STORAGE);
    const value = text ? (JSON.parse(text) as Login) : null;
    return value && value.session && value.session.session_token ? value : null;
  } catch {
    return null;
  }
}

function set(next: Login | null, reason?: string) {
  login = next;
  if (next) localStorage.setItem(STORAGE, JSON.stringify(next));
  else localStorage.removeItem(STORAGE);
  endedReason = reason ?? null;
  setApiSession(next?.session ?? null, () => set(null, 'Your session has ended. Please sign in again.'));
  schedule();
  listeners.forEach((l) => l());
}

export let endedReason: string | null = null;

function schedule() {
  clearTimeout(timer);
  if (!login) return;
  const delay = refreshDelayMs(login.session, Date.now());
  if (delay === 0) {
    // A personal key this browser kept can simply open a new session.
    const key = localStorage.getItem(LAST_KEY);
    const anonymous = login.session.auth_type === 'ErsiliaAnonymous' && key === login.session.session_id;
    set(null, 'Your session expired. Please sign in again.');
    if (anonymous && key) startAnonymous(key).catch(() => {});
    return;
  }
  timer = setTimeout(refresh, delay);
}

export async function refresh() {
  if (!login) return;
  try {
    const session = await api<Session>('/api/auth/session/refresh', { method: 'POST' });
    if (login) set({ ...login, session });
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === 400 || status === 401) set(null, 'Your session expired. Please sign in again.');
    else timer = setTimeout(refresh, 15_000); // the hub is unreachable: try again soon
  }
}

export function currentLogin(): Login | null {
  return login;
}

export function can(permission: string): boolean {
  return !!login && hasPermission(login.permissions, permission);
}

export async function signIn(username: string, password: string): Promise<Login> {
  const result = await api<Login>('/api/auth/login', {
    body: { encoding: loginEncoding(username, password), auth_type: 'ErsiliaUser' },
  });
  set(result);
  return result;
}

export async function startAnonymous(key: string): Promise<Login> {
  const result = await api<Login>(`/api/auth/anonymous-login/${encodeURIComponent(key)}`, { method: 'POST' });
  localStorage.setItem(LAST_KEY, result.session.session_id);
  set(result);
  return result;
}

export async function signOut() {
  try {
    await api('/api/auth/logout', { method: 'POST' });
  } catch {
    // the session may already be gone; forget it locally either way
  }
  set(null);
}

// Re-renders the caller whenever the identity changes.
export function useLogin(): Login | null {
  const [, force] = useState(0);
  useEffect(() => {
    const l = () => force((n) => n + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return login;
}

setApiSession(login?.session ?? null, () => set(null, 'Your session has ended. Please sign in again.'));
schedule();
