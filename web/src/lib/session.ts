// The hub session as the upstream contract defines it, and the `Authorization` header built
// from it. Pure functions: storage and timers live in auth.ts.

export type AuthType = 'ErsiliaUser' | 'ErsiliaAnonymous';

export interface Session {
  userid: string;
  session_id: string;
  session_token: string;
  auth_type: AuthType;
  session_max_age_seconds: number;
  session_start_time: string;
}

export interface User {
  id: string;
  username: string;
  first_name?: string;
  last_name?: string;
  email?: string | null;
}

export interface Login {
  session: Session;
  user: User;
  permissions: string[];
}

// Base64 of UTF-8 text (btoa alone only takes Latin-1).
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

// `Authorization: <auth_type> <base64 of the session JSON>`, the upstream form.
export function authorizationHeader(session: Session): string {
  return `${session.auth_type} ${base64Utf8(JSON.stringify(session))}`;
}

// The body of POST /api/auth/login: base64("username:password").
export function loginEncoding(username: string, password: string): string {
  return base64Utf8(`${username}:${password}`);
}

// Milliseconds since the epoch of a hub timestamp (`YYYY-MM-DDTHH:MM:SS.ffffffZ`); NaN when
// the text is not one. Microseconds are cut to milliseconds, which every engine parses.
export function parseHubTime(text: string | null | undefined): number {
  if (!text) return NaN;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z?$/.exec(text.trim());
  if (!m) return NaN;
  const fraction = (m[2] ?? '.0').slice(0, 4).padEnd(4, '0');
  return Date.parse(`${m[1]}${fraction}Z`);
}

export function expiresAt(session: Session): number {
  return parseHubTime(session.session_start_time) + session.session_max_age_seconds * 1000;
}

// When to refresh: at 60 % of the session's life (3 minutes of the default 5), never sooner
// than 5 s from now; 0 when it has already expired.
export function refreshDelayMs(session: Session, nowMs: number): number {
  const start = parseHubTime(session.session_start_time);
  const life = session.session_max_age_seconds * 1000;
  if (!Number.isFinite(start) || nowMs >= start + life) return 0;
  return Math.max(5000, start + life * 0.6 - nowMs);
}

// ADMIN implies every other permission.
export function hasPermission(permissions: readonly string[], wanted: string): boolean {
  return permissions.includes(wanted) || permissions.includes('ADMIN');
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// A personal key as a person may paste it back (upper case, braces, `urn:uuid:`), in the
// canonical lower-case form; null when it is not a GUID.
export function normaliseKey(text: string): string | null {
  let key = text.trim().toLowerCase();
  if (key.startsWith('urn:uuid:')) key = key.slice(9);
  if (key.startsWith('{') && key.endsWith('}')) key = key.slice(1, -1);
  return GUID.test(key) ? key : null;
}

// A random version-4 GUID.
export function newKey(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const b = random(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
