/**
 * The local platform's front door, checked before any route runs:
 * - Host must name this server (a loopback name or the bound address, with its port): a DNS-rebinding
 *   page reaches 127.0.0.1 under its own host name and is refused.
 * - A request from another origin (Origin header, or Sec-Fetch-Site for requests that are not a
 *   top-level navigation) is refused: another site, or another port of this host, cannot drive the API.
 * - The API needs the operator token (bearer) or a console session; console pages redirect to the login.
 * The drift webhook keeps its own contract (token in the query, called by Cloud Monitoring) and skips all three.
 */
import type { IncomingMessage } from 'node:http';
import type { OperatorAuth } from './auth.js';

/** How a path is protected. */
export const ACCESS_KINDS = ['webhook', 'open', 'page', 'operator'] as const;
/** One access kind. */
export type Access = (typeof ACCESS_KINDS)[number];

/** Console files served without a session (the login page and what it needs). */
export const PUBLIC_CONSOLE_FILES = [
  '/console/login',
  '/console/login.html',
  '/console/js/login.js',
  '/console/console.css',
] as const;

/** What the guard decided. */
export type GuardVerdict =
  | { kind: 'pass'; access: Access }
  | { kind: 'login'; location: string }
  | { kind: 'refuse'; status: number; code: string; message: string; headers?: Record<string, string> };

/** Which protection a request path gets. */
export function accessOf(pathname: string): Access {
  if (pathname === '/webhooks/monitoring') return 'webhook';
  if (
    pathname === '/healthz' ||
    pathname === '/api/session' ||
    (PUBLIC_CONSOLE_FILES as readonly string[]).includes(pathname)
  )
    return 'open';
  if (pathname === '/' || pathname === '/console' || pathname.startsWith('/console/')) return 'page';
  return 'operator';
}

/** The Host header values that name a server listening on `bindAddress:port`. */
export function allowedHosts(bindAddress: string, port: number): string[] {
  const names = ['127.0.0.1', 'localhost', '[::1]', bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress];
  const hosts = names.map((n) => `${n}:${port}`);
  if (port === 80) hosts.push(...names);
  return [...new Set(hosts)];
}

/** Build the guard of a server on `bindAddress:port`. */
export function createGuard(options: {
  auth: OperatorAuth;
  bindAddress: string;
  port: number;
}): (req: IncomingMessage, url: URL) => GuardVerdict {
  const hosts = new Set(allowedHosts(options.bindAddress, options.port));
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  const canonical = `http://${options.bindAddress.includes(':') ? `[${options.bindAddress}]` : options.bindAddress}:${options.port}`;
  return (req, url) => {
    const access = accessOf(url.pathname);
    if (access === 'webhook') return { kind: 'pass', access };
    const host = (req.headers.host ?? '').toLowerCase();
    if (!hosts.has(host)) {
      return {
        kind: 'refuse',
        status: 421,
        code: 'HTTP.BAD_HOST',
        message: `Host ${JSON.stringify(req.headers.host ?? '')} does not name this platform; use ${canonical}`,
      };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      return {
        kind: 'refuse',
        status: 403,
        code: 'HTTP.FOREIGN_ORIGIN',
        message: `requests from ${origin} are refused; use the console at ${canonical}/console/`,
      };
    }
    const site = req.headers['sec-fetch-site'];
    if ((site === 'cross-site' || site === 'same-site') && req.headers['sec-fetch-mode'] !== 'navigate') {
      return {
        kind: 'refuse',
        status: 403,
        code: 'HTTP.FOREIGN_ORIGIN',
        message: `${site} requests are refused; use the console at ${canonical}/console/`,
      };
    }
    if (access === 'open' || options.auth.authenticate(req) !== undefined) return { kind: 'pass', access };
    if (access === 'page')
      return { kind: 'login', location: `/console/login?next=${encodeURIComponent(url.pathname)}` };
    const presented = req.headers.authorization !== undefined;
    return {
      kind: 'refuse',
      status: 401,
      code: presented ? 'AUTH.INVALID_TOKEN' : 'AUTH.REQUIRED',
      message: presented
        ? 'authorization: the bearer token is not the operator token'
        : 'authorization: send the operator token as `authorization: Bearer TOKEN` (printed by `npm start`, kept in DATA_DIR/operator-token), or log in to the console',
      headers: { 'www-authenticate': 'Bearer realm="ipo-mlops"' },
    };
  };
}
