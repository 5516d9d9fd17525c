/**
 * GcsArtifactStore driven through the real `@google-cloud/storage` client against the in-process fake
 * of the GCS JSON API (test/support/fake-gcs.ts: raw bytes, crc32c hashes like GCS).
 */
import { createHash } from 'node:crypto';
import type { StorageOptions } from '@google-cloud/storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { csvDatasetInspector } from '../../shared/adapters/dataset-inspector.js';
import { GcsArtifactStore } from '../../shared/adapters/gcp/gcs.artifact-store.js';
import { staticAuthClient } from '../support/fake-gcp-server.js';
import { startFakeGcs, type FakeGcs } from '../support/fake-gcs.js';

/** Every `new Storage(options)` the adapter makes, and how often the SDK module was evaluated. */
const sdk = vi.hoisted(() => ({ loads: 0, constructed: [] as unknown[] }));
vi.mock('@google-cloud/storage', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@google-cloud/storage')>();
  sdk.loads++;
  class Storage extends actual.Storage {
    constructor(options?: StorageOptions) {
      sdk.constructed.push(options);
      super(options);
    }
  }
  return { ...actual, Storage };
});

let gcs: FakeGcs;
beforeAll(async () => {
  gcs = await startFakeGcs();
});
afterAll(() => gcs.close());
beforeEach(() => gcs.reset());

/** Retries off so forced 5xx answers surface at once instead of after the client's backoff. */
const store = (root = 'gs://bkt/runs') =>
  new GcsArtifactStore(root, {
    apiEndpoint: gcs.url,
    projectId: 'p',
    authClient: staticAuthClient(),
    retryOptions: { autoRetry: false },
  });
const sent = () =>
  gcs.requests.map((r) => `${r.method} ${r.path}${r.query.has('alt') ? `?alt=${r.query.get('alt')}` : ''}`);

describe('GcsArtifactStore (real client, fake GCS)', () => {
  // First in the file on purpose: it is the only test that can observe the module before any load.
  it('loads and constructs the SDK on first use only, once per store, with the given options', async () => {
    const s = store();
    expect(s.uri('runs/x')).toBe('gs://bkt/runs/runs/x');
    expect(sdk.loads).toBe(0);
    expect(sdk.constructed).toHaveLength(0);
    await s.write(s.uri('a.txt'), 'a');
    await s.read(s.uri('a.txt'));
    expect(sdk.loads).toBe(1);
    expect(sdk.constructed).toHaveLength(1);
    expect(sdk.constructed[0]).toMatchObject({ apiEndpoint: gcs.url, projectId: 'p' });
  });

  it('builds gs:// URIs under the root, with or without slashes', () => {
    expect(store('gs://bkt/runs').uri('r1/model.json')).toBe('gs://bkt/runs/r1/model.json');
    expect(store('gs://bkt/runs/').uri('/r1/model.json')).toBe('gs://bkt/runs/r1/model.json');
    expect(store('gs://bkt').uri('model.json')).toBe('gs://bkt/model.json');
  });

  it('round-trips text and binary bytes, and sends multipart uploads and media downloads with encoded names', async () => {
    const s = store();
    const binary = new Uint8Array(256).map((_, i) => 255 - i);
    await s.write(s.uri('r1/metrics.json'), '{"r2":0.91,"note":"é✓"}');
    await s.write(s.uri('r1/model/weights.bin'), binary);
    expect(new TextDecoder().decode(await s.read(s.uri('r1/metrics.json')))).toBe('{"r2":0.91,"note":"é✓"}');
    expect(await s.read(s.uri('r1/model/weights.bin'))).toEqual(binary);
    expect(sent()).toEqual([
      'POST /upload/storage/v1/b/bkt/o',
      'POST /upload/storage/v1/b/bkt/o',
      'GET /storage/v1/b/bkt/o/runs%2Fr1%2Fmetrics.json?alt=media',
      'GET /storage/v1/b/bkt/o/runs%2Fr1%2Fmodel%2Fweights.bin?alt=media',
    ]);
    expect(gcs.requests[0].query.get('uploadType')).toBe('multipart');
    expect(gcs.requests[0].query.get('name')).toBe('runs/r1/metrics.json');
  });

  it('answers exists from object metadata: true when present, false on 404', async () => {
    const s = store();
    await s.write(s.uri('here.txt'), 'x');
    gcs.requests.length = 0;
    expect(await s.exists(s.uri('here.txt'))).toBe(true);
    expect(await s.exists(s.uri('gone.txt'))).toBe(false);
    expect(sent()).toEqual(['GET /storage/v1/b/bkt/o/runs%2Fhere.txt', 'GET /storage/v1/b/bkt/o/runs%2Fgone.txt']);
  });

  it('lists gs:// URIs under a prefix across pages, as plain string prefixes like GCS', async () => {
    const s = store();
    const names = ['r1/a.json', 'r1/b.json', 'r1/model/w.bin', 'r10/x.json', 'r2/y.json'];
    for (const n of names) await s.write(s.uri(n), n);
    gcs.requests.length = 0;
    expect(await s.list(s.uri('r1/'))).toEqual([
      'gs://bkt/runs/r1/a.json',
      'gs://bkt/runs/r1/b.json',
      'gs://bkt/runs/r1/model/w.bin',
    ]);
    expect(gcs.requests.map((r) => [r.path, r.query.get('prefix'), r.query.get('pageToken')])).toEqual([
      ['/storage/v1/b/bkt/o', 'runs/r1/', null],
      ['/storage/v1/b/bkt/o', 'runs/r1/', '2'],
    ]);
    expect(await s.list(s.uri('r1'))).toHaveLength(4);
    expect(await s.list(s.uri('nothing/'))).toEqual([]);
  });

  it('reports a missing object as a permanent ARTIFACT.NOT_FOUND naming the URI', async () => {
    const s = store();
    const uri = s.uri('missing.bin');
    await expect(s.read(uri)).rejects.toMatchObject({
      code: 'ARTIFACT.NOT_FOUND',
      retryable: false,
      message: `no artifact at ${uri}`,
    });
  });

  it('rejects non-gs URIs as permanent ARTIFACT.BAD_URI, before any request', async () => {
    const s = store();
    expect(() => new GcsArtifactStore('s3://bkt/runs')).toThrow(/expected a gs:\/\/ URI, got s3:\/\/bkt\/runs/);
    for (const op of [
      () => s.read('file:///tmp/x'),
      () => s.write('file:///tmp/x', 'x'),
      () => s.exists('/tmp/x'),
      () => s.list('http://bkt/runs'),
    ]) {
      await expect(op()).rejects.toMatchObject({
        code: 'ARTIFACT.BAD_URI',
        retryable: false,
        message: expect.stringMatching(/^expected a gs:\/\/ URI, got /),
      });
    }
    expect(gcs.requests).toEqual([]);
  });

  it('maps 5xx to a retryable ARTIFACT.UNAVAILABLE and other 4xx to a permanent ARTIFACT.REJECTED', async () => {
    const s = store();
    gcs.failWith = 503;
    await expect(s.read(s.uri('a'))).rejects.toMatchObject({
      code: 'ARTIFACT.UNAVAILABLE',
      retryable: true,
      details: { uri: 'gs://bkt/runs/a', code: 503 },
    });
    gcs.failWith = 403;
    await expect(s.write(s.uri('a'), 'x')).rejects.toMatchObject({
      code: 'ARTIFACT.REJECTED',
      retryable: false,
      details: { uri: 'gs://bkt/runs/a', code: 403 },
    });
  });
});

describe('csvDatasetInspector over GcsArtifactStore', () => {
  it('counts rows and finds the latest fiscal quarter of a CSV object', async () => {
    const s = store('gs://bkt/data');
    const uri = s.uri('ipo/2024.csv');
    const csv = 'ticker,fiscal_quarter,revenue\nAAA,2024Q1,1\nBBB,"2024Q3",2\r\nCCC,2023Q4,3\n\n';
    await s.write(uri, csv);
    expect(await csvDatasetInspector(s).describe(uri)).toEqual({
      uri,
      rowCount: 3,
      bytes: Buffer.byteLength(csv),
      latestPeriod: '2024-09-30T00:00:00.000Z',
      sha256: createHash('sha256').update(csv).digest('hex'),
    });
  });

  it('reports a missing object as a permanent DATA.UNREADABLE naming the URI', async () => {
    const uri = 'gs://bkt/data/ipo/none.csv';
    await expect(csvDatasetInspector(store('gs://bkt/data')).describe(uri)).rejects.toMatchObject({
      name: 'PermanentError',
      code: 'DATA.UNREADABLE',
      retryable: false,
      message: expect.stringContaining(uri),
    });
  });
});
