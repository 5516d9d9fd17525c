/** A local HTTP receiver standing in for a chat webhook: records each POST and answers as scripted. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One received request. */
export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** How to answer the n-th request (0-based): a status and headers, or `hang` to never answer. */
export type Script = (n: number) => { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** A running receiver. */
export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Resolves once `count` requests arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Start a receiver on a free loopback port. */
export async function startWebhookReceiver(
  script: Script = () => ({ status: 200, body: 'ok' }),
): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        /* kept as text */
      }
      const n = received.length;
      received.push({ path: req.url ?? '/', headers: req.headers, body });
      for (const w of waiters.filter((x) => received.length >= x.count)) w.resolve();
      const answer = script(n);
      if (answer === 'hang') return void hanging.push(res);
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-part`,
    received,
    waitFor: (count) =>
      received.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
