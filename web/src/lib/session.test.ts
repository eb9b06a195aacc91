import { describe, expect, it } from 'vitest';
import {
  authorizationHeader, hasPermission, loginEncoding, newKey, normaliseKey, parseHubTime,
  refreshDelayMs, type Session,
} from './session';

const session: Session = {
  userid: 'u1', session_id: 's1', session_token: 'ab'.repeat(32), auth_type: 'ErsiliaUser',
  session_max_age_seconds: 300, session_start_time: '2026-12-03T10:00:00.123456Z',
};

describe('session encoding', () => {
  it('builds the upstream header from the session JSON', () => {
    const header = authorizationHeader(session);
    expect(header.startsWith('ErsiliaUser ')).toBe(true);
    expect(JSON.parse(atob(header.split(' ')[1]))).toEqual(session);
  });
  it('encodes login credentials as base64 of user:password', () => {
    expect(atob(loginEncoding('alice', 'pässword'))).toBe('alice:p\u00c3\u00a4ssword');
  });
  it('parses hub timestamps with microseconds', () => {
    expect(parseHubTime('2026-12-03T10:00:00.123456Z')).toBe(Date.UTC(2026, 11, 3, 10, 0, 0, 123));
    expect(parseHubTime('2026-12-03T10:00:00Z')).toBe(Date.UTC(2026, 11, 3, 10));
    expect(parseHubTime('yesterday')).toBeNaN();
  });
});

describe('refreshDelayMs', () => {
  const start = Date.UTC(2026, 11, 3, 10, 0, 0, 123);
  it('refreshes at 60 % of the session life', () => {
    expect(refreshDelayMs(session, start)).toBe(180_000);
  });
  it('waits at least 5 s, and 0 once expired', () => {
    expect(refreshDelayMs(session, start + 299_000)).toBe(5000);
    expect(refreshDelayMs(session, start + 301_000)).toBe(0);
  });
});

describe('keys and permissions', () => {
  it('normalises pasted keys', () => {
    const key = '0f4ee948-6fcb-4db7-876e-297918efbdb8';
    expect(normaliseKey(` {${key.toUpperCase()}} `)).toBe(key);
    expect(normaliseKey(`urn:uuid:${key}`)).toBe(key);
    expect(normaliseKey('not-a-key')).toBeNull();
  });
  it('makes version-4 keys', () => {
    const key = newKey();
    expect(normaliseKey(key)).toBe(key);
    expect(key[14]).toBe('4');
  });
  it('treats ADMIN as every permission', () => {
    expect(hasPermission(['ADMIN'], 'MANAGE_USERS')).toBe(true);
    expect(hasPermission(['VIEW_MODELS'], 'MANAGE_USERS')).toBe(false);
  });
});
