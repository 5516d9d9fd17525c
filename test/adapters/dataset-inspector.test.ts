/** The CSV dataset inspector over a real file-system artifact store: hashes, junk, size guard, sidecar contracts, new rows. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvDatasetInspector, sidecarUri } from '../../shared/adapters/dataset-inspector.js';
import { FsArtifactStore } from '../../shared/adapters/local/fs.artifact-store.js';

const PNG = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x0a, 0x41, 0x0a,
]);

describe('csvDatasetInspector', () => {
  let dir: string;
  let store: FsArtifactStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'inspector-'));
    store = new FsArtifactStore(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const put = async (name: string, content: string | Uint8Array): Promise<string> => {
    const uri = store.uri(name);
    await store.write(uri, content);
    return uri;
  };

  it('hashes the content, so the same name with other bytes is other data', async () => {
    const a = 'ticker,fiscal_quarter,y\nAAA,2024Q1,1\n';
    const uri = await put('ipo.csv', a);
    const first = await csvDatasetInspector(store).describe(uri);
    expect(first).toMatchObject({
      rowCount: 1,
      bytes: a.length,
      sha256: createHash('sha256').update(a).digest('hex'),
      latestPeriod: '2024-03-31T00:00:00.000Z',
    });
    await put('ipo.csv', 'ticker,fiscal_quarter,y\nBBB,2024Q2,2\n');
    expect((await csvDatasetInspector(store).describe(uri)).sha256).not.toBe(first.sha256);
  });

  it('refuses junk with a clear, permanent error that never echoes the content', async () => {
    const inspector = csvDatasetInspector(store);
    const png = await put('photo.csv', PNG);
    await expect(inspector.describe(png)).rejects.toMatchObject({
      code: 'DATA.NOT_CSV',
      retryable: false,
      message: expect.stringContaining('photo.csv is not UTF-8 text'),
    });
    const nul = await put('nul.csv', 'a,b\n1,\u00002\n');
    await expect(inspector.describe(nul)).rejects.toMatchObject({
      code: 'DATA.NOT_CSV',
      message: expect.stringContaining('NUL bytes'),
    });
    await expect(inspector.describe(await put('empty.csv', ''))).rejects.toMatchObject({ code: 'DATA.EMPTY' });
    await expect(inspector.describe(await put('header.csv', 'a,b\n\n'))).rejects.toMatchObject({ code: 'DATA.EMPTY' });
    await expect(inspector.describe(store.uri('missing.csv'))).rejects.toMatchObject({ code: 'DATA.UNREADABLE' });
  });

  it('refuses files over the size guard, naming the limit and its variable', async () => {
    const uri = await put('big.csv', `a,b\n${'1,2\n'.repeat(100)}`);
    await expect(csvDatasetInspector(store, { maxBytes: 100 }).describe(uri)).rejects.toMatchObject({
      code: 'DATA.TOO_LARGE',
      retryable: false,
      message: expect.stringMatching(/404 bytes, over the size guard of 100 bytes \(IPO_MAX_DATASET_BYTES\)/),
    });
    expect((await csvDatasetInspector(store, { maxBytes: 404 }).describe(uri)).rowCount).toBe(100);
  });

  it('finds the sidecar contract next to NAME.csv', async () => {
    const uri = await put('landing/ipo.csv', 'a,b\n1,2\n');
    expect((await csvDatasetInspector(store).describe(uri)).contractUri).toBeUndefined();
    await put('landing/ipo.contract.json', '{}');
    expect((await csvDatasetInspector(store).describe(uri)).contractUri).toBe(store.uri('landing/ipo.contract.json'));
    expect(sidecarUri('gs://b/x/IPO.CSV')).toBe('gs://b/x/IPO.contract.json');
    expect(sidecarUri('gs://b/x/ipo.parquet')).toBeUndefined();
  });

  it('counts rows the baseline does not contain, whatever the file sizes', async () => {
    const header = 'ticker,fiscal_quarter,y';
    const base = await put('q1.csv', [header, 'AAA,2024Q1,1', 'BBB,2024Q1,2', 'CCC,2024Q1,3'].join('\n'));
    // Same size as q1, two rows new; CRLF and quoting do not make an old row new.
    const next = await put('q2.csv', [header, '"AAA", 2024Q1 ,1', 'DDD,2024Q2,4', 'EEE,2024Q2,5'].join('\r\n'));
    const d = await csvDatasetInspector(store).describe(next, { baselineUri: base });
    expect(d).toMatchObject({ rowCount: 3, newRows: 2 });
    expect((await csvDatasetInspector(store).describe(next, { baselineUri: store.uri('gone.csv') })).newRows).toBe(3);
    expect((await csvDatasetInspector(store).describe(next)).newRows).toBeUndefined();
  });
});
