/** Operator authentication units: constant-time comparison, bearer parsing, session lifetime. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';

const compared: [number, number][] = [];
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([a.byteLength, b.byteLength]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { bearerToken, cookies, operatorAuth, secretsEqual, SESSION_TTL_MS } =
  await import('../../shared/platform/auth.js');

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const TOKEN = 'the-operator-token-0123456789';

describe('token comparison', () => {
  it('compares in constant time whatever the presented length (a digest of each side, never the raw strings)', () => {
    compared.length = 0;
    expect(secretsEqual(TOKEN, TOKEN)).toBe(true);
    expect(secretsEqual(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(secretsEqual('t', TOKEN)).toBe(false);
    expect(secretsEqual('', TOKEN)).toBe(false);
    expect(secretsEqual(TOKEN.replace(/.$/, 'X'), TOKEN)).toBe(false);
    expect(compared).toEqual(Array.from({ length: 5 }, () => [32, 32]));
  });

  it('every token check of the platform goes through it', () => {
    const auth = operatorAuth(TOKEN, 8080);
    compared.length = 0;
    expect(auth.authenticate(request({ authorization: `Bearer ${TOKEN}` }))).toEqual({ kind: 'token' });
    expect(auth.authenticate(request({ authorization: 'Bearer short' }))).toBeUndefined();
    expect(auth.tokenMatches('nope')).toBe(false);
    expect(compared).toHaveLength(3);
  });
});

describe('request parsing', () => {
  it('reads a bearer token only from a well-formed Bearer header', () => {
    expect(bearerToken(request({ authorization: 'Bearer abc' }))).toBe('abc');
    expect(bearerToken(request({ authorization: 'bearer abc ' }))).toBe('abc');
    expect(bearerToken(request({ authorization: 'Basic abc' }))).toBeUndefined();
    expect(bearerToken(request({ authorization: 'Bearer a b' }))).toBeUndefined();
    expect(bearerToken(request({}))).toBeUndefined();
  });

  it('parses cookies', () => {
    expect([...cookies(request({ cookie: 'a=1; ipo_session_8080=xyz;b=' }))]).toEqual([
      ['a', '1'],
      ['ipo_session_8080', 'xyz'],
      ['b', ''],
    ]);
  });
});

describe('sessions', () => {
  it('a session cookie authenticates until it expires or is ended; a wrong bearer is not rescued by a cookie', () => {
    let now = 1_000_000;
    const auth = operatorAuth(TOKEN, 8080, () => now);
    const cookie = auth.startSession().split(';')[0];
    expect(cookie).toMatch(/^ipo_session_8080=[\w-]{43}$/);
    expect(auth.authenticate(request({ cookie }))).toEqual({ kind: 'session' });
    expect(auth.authenticate(request({ cookie: cookie.replace('8080', '9090') }))).toBeUndefined();
    expect(auth.authenticate(request({ cookie, authorization: 'Bearer wrong-token' }))).toBeUndefined();
    now += SESSION_TTL_MS - 1;
    expect(auth.authenticate(request({ cookie }))).toEqual({ kind: 'session' });
    now += 1;
    expect(auth.authenticate(request({ cookie }))).toBeUndefined();
    const second = auth.startSession().split(';')[0];
    expect(auth.endSession(request({ cookie: second }))).toContain('Max-Age=0');
    expect(auth.authenticate(request({ cookie: second }))).toBeUndefined();
  });

  it('a session id is not the token, and sessions of another platform (another port) do not count', () => {
    const a = operatorAuth(TOKEN, 8080);
    const b = operatorAuth(TOKEN, 8081);
    const cookie = a.startSession().split(';')[0];
    expect(cookie).not.toContain(TOKEN);
    expect(b.authenticate(request({ cookie }))).toBeUndefined();
    expect(b.authenticate(request({ cookie: `ipo_session_8081=${cookie.split('=')[1]}` }))).toBeUndefined();
  });
});
