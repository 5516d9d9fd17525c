/**
 * A fake of the Cloud Storage JSON API for the real `@google-cloud/storage` client (multipart upload,
 * metadata, media download with crc32c so the client's integrity check runs, paginated list), that
 * also tells listeners about each finalized object with the metadata GCS puts in a
 * `google.cloud.storage.object.v1.finalized` event (string generation, size, timeCreated).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32c } from '../../shared/adapters/gcp/secret-manager.secret-reader.js';

/** The metadata of a stored object, as GCS returns it (and as a finalize event carries it). */
export interface ObjectMeta {
  kind: 'storage#object';
  bucket: string;
  name: string;
  generation: string;
  metageneration: string;
  size: string;
  contentType: string;
  crc32c: string;
  timeCreated: string;
  updated: string;
  id: string;
}

/** A running fake. */
export interface FakeGcs {
  url: string;
  /** Stored bytes by `bucket/name`. */
  objects: Map<string, { data: Buffer; meta: ObjectMeta }>;
  /** Called after each upload completes (a finalize). */
  onFinalize(listener: (meta: ObjectMeta) => void): void;
  close(): Promise<void>;
}

/** Base64 of the big-endian CRC32C, as GCS reports it. */
function crc32cBase64(bytes: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(bytes));
  return out.toString('base64');
}

/** The parts of a `multipart/related` body: [metadata JSON, media]. */
function multipart(body: Buffer, contentType: string): { meta: Record<string, unknown>; media: Buffer } {
  const delimiter = Buffer.from(`--${/boundary=([^;]+)/.exec(contentType)?.[1] ?? ''}`);
  const parts: Buffer[] = [];
  let from = body.indexOf(delimiter);
  while (from >= 0) {
    const next = body.indexOf(delimiter, from + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(from + delimiter.length, next);
    parts.push(part.subarray(part.indexOf('\r\n\r\n') + 4, part.length - 2));
    from = next;
  }
  return {
    meta: JSON.parse(parts[0]?.toString('utf8') || '{}') as Record<string, unknown>,
    media: parts[1] ?? Buffer.alloc(0),
  };
}

// With STORAGE_EMULATOR_HOST=<root> (how the trainer is pointed here) the client drops the /storage/v1 prefix.
const OBJECT = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/;
const LIST = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o$/;
const UPLOAD = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/;
const PAGE_SIZE = 50;

/** Start the fake on a free port. */
export async function startFakeGcs(): Promise<FakeGcs> {
  const objects = new Map<string, { data: Buffer; meta: ObjectMeta }>();
  const listeners: ((meta: ObjectMeta) => void)[] = [];
  let generation = 1_700_000_000_000_000;
  const json = (res: ServerResponse, status: number, body: unknown): void =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const handle = (req: IncomingMessage, body: Buffer, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (method === 'POST' && (m = UPLOAD.exec(url.pathname))) {
      const { meta: given, media } = multipart(body, req.headers['content-type'] ?? '');
      const name = url.searchParams.get('name') ?? String(given.name ?? '');
      const at = new Date().toISOString();
      generation += 1;
      const meta: ObjectMeta = {
        kind: 'storage#object',
        bucket: m[1],
        name,
        generation: String(generation),
        metageneration: '1',
        size: String(media.length),
        contentType: String(given.contentType ?? 'application/octet-stream'),
        crc32c: crc32cBase64(media),
        timeCreated: at,
        updated: at,
        id: `${m[1]}/${name}/${generation}`,
      };
      objects.set(`${m[1]}/${name}`, { data: media, meta });
      json(res, 200, meta);
      for (const listener of listeners) listener(meta);
      return;
    }
    if (method === 'GET' && (m = OBJECT.exec(url.pathname))) {
      const found = objects.get(`${m[1]}/${decodeURIComponent(m[2])}`);
      if (!found)
        return json(res, 404, { error: { code: 404, message: `No such object: ${m[1]}/${decodeURIComponent(m[2])}` } });
      if (url.searchParams.get('alt') !== 'media') return json(res, 200, found.meta);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'x-goog-hash': `crc32c=${found.meta.crc32c}`,
        'x-goog-stored-content-encoding': 'identity',
      });
      return void res.end(found.data);
    }
    if (method === 'GET' && (m = LIST.exec(url.pathname))) {
      const prefix = `${m[1]}/${url.searchParams.get('prefix') ?? ''}`;
      const names = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      const start = Number(url.searchParams.get('pageToken') ?? 0);
      const page = names.slice(start, start + PAGE_SIZE);
      return json(res, 200, {
        kind: 'storage#objects',
        items: page.map((k) => objects.get(k)?.meta),
        ...(start + PAGE_SIZE < names.length ? { nextPageToken: String(start + PAGE_SIZE) } : {}),
      });
    }
    json(res, 400, { error: { code: 400, message: `fake GCS has no route for ${method} ${url.pathname}` } });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  });
  // GCS keeps idle connections open far longer than Node's 5 s default. With the default, a client that
  // reuses a pooled socket just as the server times it out gets EPIPE mid-upload (seen under load).
  server.keepAliveTimeout = 600_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    onFinalize: (listener) => void listeners.push(listener),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
