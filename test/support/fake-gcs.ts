/**
 * An in-process fake of the GCS JSON API for the real `@google-cloud/storage` client (vitest-free, so
 * benches can use it too). The shared fake-gcp-server answers JSON only and decodes bodies as UTF-8,
 * so it cannot carry binary media; this fake keeps raw bytes and returns crc32c hashes like GCS, so
 * the client's upload and download integrity checks run for real. It can fail every request with a
 * status, or hold requests until released (to observe a consumer mid-load).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running fake GCS. */
export interface FakeGcs {
  /** `http://127.0.0.1:PORT`, the client's `apiEndpoint`. */
  url: string;
  /** Stored objects by `bucket/name`. */
  objects: Map<string, Buffer>;
  /** Every request, in order. */
  requests: { method: string; path: string; query: URLSearchParams }[];
  /** Answer every request with this status (undefined: behave). */
  failWith: number | undefined;
  /** Park incoming requests until `release()`. */
  hold(): void;
  release(): void;
  /** Forget objects, requests, failures and holds. */
  reset(): void;
  close(): Promise<void>;
}

const OBJECT = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/]+)$/;
const LIST = /^\/storage\/v1\/b\/([^/]+)\/o$/;
const UPLOAD = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/;
/** Small list pages, so listing only works if the client follows nextPageToken. */
const PAGE_SIZE = 2;

const CRC32C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** Base64 of the big-endian CRC32C, as GCS reports it. */
function crc32c(bytes: Buffer): string {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

const meta = (bucket: string, name: string, data: Buffer) => ({
  kind: 'storage#object',
  bucket,
  name,
  size: String(data.length),
  crc32c: crc32c(data),
});
const json = (res: ServerResponse, status: number, body: unknown): void =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const notFound = (res: ServerResponse, what: string): void =>
  json(res, 404, { error: { code: 404, message: `No such object: ${what}` } });

/** The media part of a `multipart/related` upload (metadata part first, media second). */
function mediaPart(body: Buffer, contentType: string): Buffer {
  const delimiter = Buffer.from(`--${/boundary=([^;]+)/.exec(contentType)?.[1]}`);
  const secondStart = body.indexOf(delimiter, body.indexOf(delimiter) + delimiter.length);
  const part = body.subarray(secondStart + delimiter.length, body.indexOf(delimiter, secondStart + delimiter.length));
  return part.subarray(part.indexOf('\r\n\r\n') + 4, part.length - 2);
}

/** Start a fake GCS on a free port. */
export async function startFakeGcs(): Promise<FakeGcs> {
  let held: (() => void)[] | undefined;
  const fake: FakeGcs = {
    url: '',
    objects: new Map(),
    requests: [],
    failWith: undefined,
    hold: () => void (held ??= []),
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const go of waiting) go();
    },
    reset: () => {
      fake.objects.clear();
      fake.requests.length = 0;
      fake.failWith = undefined;
      fake.release();
    },
    close: () =>
      new Promise<void>((resolve) => {
        fake.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  function handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    fake.requests.push({ method, path: url.pathname, query: url.searchParams });
    if (fake.failWith !== undefined)
      return json(res, fake.failWith, { error: { code: fake.failWith, message: `forced ${fake.failWith}` } });
    let m: RegExpExecArray | null;
    if (method === 'POST' && (m = UPLOAD.exec(url.pathname)) && url.searchParams.get('uploadType') === 'multipart') {
      const name = url.searchParams.get('name') ?? '';
      const data = mediaPart(body, req.headers['content-type'] ?? '');
      fake.objects.set(`${m[1]}/${name}`, data);
      return json(res, 200, meta(m[1], name, data));
    }
    if (method === 'GET' && (m = OBJECT.exec(url.pathname))) {
      const name = decodeURIComponent(m[2]);
      const data = fake.objects.get(`${m[1]}/${name}`);
      if (!data) return notFound(res, `${m[1]}/${name}`);
      if (url.searchParams.get('alt') !== 'media') return json(res, 200, meta(m[1], name, data));
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'x-goog-hash': `crc32c=${crc32c(data)}`,
        'x-goog-stored-content-encoding': 'identity',
      });
      return void res.end(data);
    }
    if (method === 'GET' && (m = LIST.exec(url.pathname))) {
      const bucket = m[1];
      const prefix = url.searchParams.get('prefix') ?? '';
      const names = [...fake.objects.keys()]
        .filter((k) => k.startsWith(`${bucket}/${prefix}`))
        .map((k) => k.slice(bucket.length + 1))
        .sort();
      const from = Number(url.searchParams.get('pageToken') ?? 0);
      const page = names.slice(from, from + PAGE_SIZE);
      const next = from + PAGE_SIZE < names.length ? { nextPageToken: String(from + PAGE_SIZE) } : {};
      return json(res, 200, {
        kind: 'storage#objects',
        items: page.map((n) => meta(bucket, n, fake.objects.get(`${bucket}/${n}`) ?? Buffer.alloc(0))),
        ...next,
      });
    }
    json(res, 400, { error: { code: 400, message: `fake GCS has no route for ${method} ${url.pathname}` } });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const go = () => handle(req, Buffer.concat(chunks), res);
      if (held) held.push(go);
      else go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
