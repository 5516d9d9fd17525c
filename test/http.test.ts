/** shared/http.ts: the size cap on request bodies (declared and streamed) and JSON replies. */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, readBody, sendJsonText } from '../shared/http.js';

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    readBody(req, 10).then(
      (body) => sendJsonText(res, 200, JSON.stringify({ bytes: body.length })),
      (err: unknown) => {
        const e = err as HttpError;
        sendJsonText(res, e.status, JSON.stringify({ code: e.code, message: e.message }), { connection: 'close' });
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function post(
  chunks: string[],
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('readBody', () => {
  it('reads a body within the limit', async () => {
    expect(await post(['0123456789'])).toEqual({ status: 200, body: { bytes: 10 } });
  });

  it('refuses a declared Content-Length over the limit before reading, naming both sizes', async () => {
    const r = await post(['0123456789A'], { 'content-length': '11' });
    expect(r).toEqual({
      status: 413,
      body: { code: 'HTTP.TOO_LARGE', message: 'request body of 11 bytes exceeds the 10-byte limit' },
    });
  });

  it('refuses a chunked body once it passes the limit', async () => {
    const r = await post(['012345', '6789AB'], { 'transfer-encoding': 'chunked' });
    expect(r).toEqual({
      status: 413,
      body: { code: 'HTTP.TOO_LARGE', message: 'request body exceeds the 10-byte limit' },
    });
  });
});
