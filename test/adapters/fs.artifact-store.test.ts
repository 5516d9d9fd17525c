import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ipo-fs-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FsArtifactStore', () => {
  const store = new FsArtifactStore(dir);

  it('writes, reads, checks and lists file:// URIs under nested prefixes', async () => {
    const a = store.uri('runs/r1/metrics.json');
    expect(a).toBe(`file://${dir}/runs/r1/metrics.json`);
    await store.write(a, '{"r2":1}');
    await store.write(store.uri('runs/r1/model/weights.bin'), new Uint8Array([1, 2, 3]));
    await store.write(store.uri('runs/r10/x.json'), 'x');
    expect(new TextDecoder().decode(await store.read(a))).toBe('{"r2":1}');
    expect(Array.from(await store.read(store.uri('runs/r1/model/weights.bin')))).toEqual([1, 2, 3]);
    expect(await store.exists(a)).toBe(true);
    expect(await store.exists(store.uri('runs/r2/metrics.json'))).toBe(false);
    expect(await store.list(store.uri('runs/r1/'))).toEqual([a, store.uri('runs/r1/model/weights.bin')]);
    expect(await store.list(store.uri('runs/r1'))).toHaveLength(3);
    expect(await store.list(store.uri('nothing/'))).toEqual([]);
  });

  it('overwrites atomically and reports unknown and foreign URIs with codes', async () => {
    const u = store.uri('o.txt');
    await store.write(u, 'one');
    await store.write(u, 'two');
    expect(new TextDecoder().decode(await store.read(u))).toBe('two');
    await expect(store.read(store.uri('missing'))).rejects.toMatchObject({ code: 'ARTIFACT.NOT_FOUND', retryable: false });
    await expect(store.read('gs://b/x')).rejects.toMatchObject({ code: 'ARTIFACT.BAD_URI' });
  });
});
