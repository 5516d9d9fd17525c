/**
 * A fake Google Cloud REST server for driving the real client libraries (`fallback: true` gax clients,
 * BigQuery's REST client) on one machine: it records every request and answers from per-route
 * canned responses. See /work/shared/reference/testing-gcp-clients.md for the client settings.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Client } from 'google-auth-library';

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v3/projects/p/timeSeries`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON (undefined when empty). */
  body: unknown;
}

/** A canned answer; `status` defaults to 200. */
export interface CannedResponse {
  status?: number;
  body?: unknown;
}

/** A fixed answer or one computed from the request (e.g. to fail only the second call). */
export type Responder = CannedResponse | ((req: RecordedRequest) => CannedResponse);

/** A running fake server. */
export interface FakeGcpServer {
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Answer `method` requests whose path equals `path` (string) or matches it (RegExp); later routes win. */
  on(method: string, path: string | RegExp, responder: Responder): void;
  /** Requests to one method and path pattern. */
  calls(method: string, path: string | RegExp): RecordedRequest[];
  close(): Promise<void>;
}

/** Google's JSON error body for a status, e.g. `googleError(409, 'ALREADY_EXISTS', 'exists')`. */
export function googleError(code: number, status: string, message: string): CannedResponse {
  return { status: code, body: { error: { code, status, message } } };
}

/** A static-token auth client, so the libraries never look for credentials. */
export function staticAuthClient(): OAuth2Client {
  return new OAuth2Client({ credentials: { access_token: 'test-token', expiry_date: Date.now() + 3600e3 } });
}

/** Start a fake server on a free port. */
export async function startFakeGcpServer(): Promise<FakeGcpServer> {
  const routes: { method: string; path: string | RegExp; responder: Responder }[] = [];
  const requests: RecordedRequest[] = [];
  const matches = (pattern: string | RegExp, path: string): boolean =>
    typeof pattern === 'string' ? pattern === path : pattern.test(path);

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        body: parseBody(text),
      };
      requests.push(recorded);
      const route = [...routes].reverse().find((r) => r.method === recorded.method && matches(r.path, recorded.path));
      const answer =
        route === undefined
          ? googleError(404, 'NOT_FOUND', `fake server has no route for ${recorded.method} ${recorded.path}`)
          : typeof route.responder === 'function'
            ? route.responder(recorded)
            : route.responder;
      const body = JSON.stringify(answer.body ?? {});
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (method, path, responder) => void routes.push({ method, path, responder }),
    calls: (method, path) => requests.filter((r) => r.method === method && matches(path, r.path)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
