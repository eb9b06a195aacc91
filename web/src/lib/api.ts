// The hub's HTTP API as the pages use it: JSON in and out, the session header on every call,
// `{detail}` errors turned into `ApiError`, and a 401 ending the local session.
import { authorizationHeader, type Session } from './session';

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

let currentSession: Session | null = null;
let onUnauthorized: () => void = () => {};

export function setApiSession(session: Session | null, unauthorized?: () => void) {
  currentSession = session;
  if (unauthorized) onUnauthorized = unauthorized;
}

export function authHeaders(): Record<string, string> {
  return currentSession ? { Authorization: authorizationHeader(currentSession) } : {};
}

async function errorOf(response: Response): Promise<ApiError> {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && typeof body.detail === 'string') detail = body.detail;
    else if (body && Array.isArray(body.detail)) detail = body.detail.map((d: { msg?: string }) => d.msg ?? '').join('; ');
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, detail);
}

export interface RequestOptions {
  method?: string;
  body?: unknown; // JSON-encoded unless a FormData or Blob
  query?: Record<string, string | number | boolean | readonly string[] | undefined | null>;
  signal?: AbortSignal;
  raw?: boolean; // return the Response itself
  accept?: string;
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v == null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => params.append(k, String(x)));
    else params.append(k, String(v));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function fetchApi(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json', ...authHeaders() };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || options.body instanceof Blob) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method: options.method ?? (body ? 'POST' : 'GET'), headers, body, signal: options.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'The hub cannot be reached. Check your connection and try again.');
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && currentSession && !path.startsWith('/api/auth/login')) onUnauthorized();
    throw error;
  }
  return response;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await fetchApi(path, options);
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}

// Downloads a result through fetch (so the session header is sent) and saves it.
export async function download(path: string, filename: string): Promise<void> {
  const response = await fetchApi(path, { raw: true });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// Reads a Server-Sent Events stream with the session header (EventSource cannot send one).
// Calls `onEvent` per event; resolves when the stream ends.
export async function readEvents(
  path: string, onEvent: (event: string, data: string) => void, signal: AbortSignal,
): Promise<void> {
  const response = await fetchApi(path, { signal, accept: 'text/event-stream' });
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(event, data.join('\n'));
    }
  }
}
