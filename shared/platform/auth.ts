/**
 * Operator authentication of the local platform: the operator token (a bearer token for the CLI and
 * scripts) and browser sessions (an HttpOnly, SameSite=Strict cookie set after a token login).
 * Comparisons are constant-time; sessions live in memory and end with the process.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** How long a console session lasts without a new login. */
export const SESSION_TTL_MS = 12 * 3_600_000;

/** Constant-time comparison of a presented secret with the expected one (any length). */
export function secretsEqual(presented: string, expected: string): boolean {
  // Hash both so the comparison takes the same time whatever the lengths are.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The bearer token of an `authorization` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Cookies of a request by name. */
export function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** Who a request acts as, once authenticated. */
export type Principal = { kind: 'token' } | { kind: 'session' };

/** Verifies the operator token and keeps the console's sessions. */
export interface OperatorAuth {
  /** The session cookie's name (carries the port: cookies are shared by every port of a host). */
  cookieName: string;
  /** The principal of a request (bearer token or session cookie), or undefined. */
  authenticate(req: IncomingMessage): Principal | undefined;
  /** Whether a presented token is the operator token (constant time). */
  tokenMatches(presented: string): boolean;
  /** Start a session; returns the `set-cookie` header value. */
  startSession(): string;
  /** End the request's session, if any; returns the `set-cookie` header value that clears it. */
  endSession(req: IncomingMessage): string;
}

/** Authentication over one operator token. */
export function operatorAuth(token: string, port: number, clock: () => number = Date.now): OperatorAuth {
  const cookieName = `ipo_session_${port}`;
  // Only hashes of session ids are kept, so a heap dump does not hand out live sessions.
  const sessions = new Map<string, number>();
  const digest = (id: string): string => createHash('sha256').update(id).digest('base64url');
  const sessionOf = (req: IncomingMessage): string | undefined => {
    const id = cookies(req).get(cookieName);
    if (id === undefined || !/^[\w-]{20,100}$/.test(id)) return undefined;
    const key = digest(id);
    const expires = sessions.get(key);
    if (expires === undefined) return undefined;
    if (expires <= clock()) {
      sessions.delete(key);
      return undefined;
    }
    return key;
  };
  const tokenMatches = (presented: string): boolean => secretsEqual(presented, token);
  return {
    cookieName,
    tokenMatches,
    authenticate(req) {
      const bearer = bearerToken(req);
      if (bearer !== undefined) return tokenMatches(bearer) ? { kind: 'token' } : undefined;
      return sessionOf(req) === undefined ? undefined : { kind: 'session' };
    },
    startSession() {
      const now = clock();
      for (const [key, expires] of sessions) if (expires <= now) sessions.delete(key);
      const id = randomBytes(32).toString('base64url');
      sessions.set(digest(id), now + SESSION_TTL_MS);
      return `${cookieName}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}`;
    },
    endSession(req) {
      const key = sessionOf(req);
      if (key !== undefined) sessions.delete(key);
      return `${cookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
    },
  };
}
