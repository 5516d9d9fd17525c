import { describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite.state-store.js';
import { COLLECTIONS, SCHEMAS } from '../../shared/domain/state.js';
import { getDoc, queryDocs } from '../../shared/services/documents.js';

const run = {
  runId: 'r1',
  modelId: 'm',
  state: 'requested',
  reasons: ['manual'],
  dataUri: 'file:///d.csv',
  artifactUri: 'file:///a',
  pipelineJobId: 'r1',
  attempt: 1,
  correlationId: 'c',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('typed document reads', () => {
  it('returns valid documents, keeps unknown fields, and undefined for a missing one', async () => {
    const store = new SqliteStateStore({ path: ':memory:' });
    await store.createIfAbsent(COLLECTIONS.runs, 'r1', { ...run, extra: 7 });
    expect(await getDoc(store, SCHEMAS.RunDoc, COLLECTIONS.runs, 'r1')).toMatchObject({ runId: 'r1', extra: 7 });
    expect(await getDoc(store, SCHEMAS.RunDoc, COLLECTIONS.runs, 'nope')).toBeUndefined();
    await store.close();
  });

  it('fails with STATE.INVALID_DOCUMENT naming the document and the field', async () => {
    const store = new SqliteStateStore({ path: ':memory:' });
    await store.createIfAbsent(COLLECTIONS.runs, 'bad', { ...run, runId: 'bad', attempt: 'one' });
    await expect(getDoc(store, SCHEMAS.RunDoc, COLLECTIONS.runs, 'bad')).rejects.toMatchObject({
      code: 'STATE.INVALID_DOCUMENT',
      message: expect.stringMatching(/runs\/bad .*attempt/),
    });
    await expect(queryDocs(store, SCHEMAS.RunDoc, COLLECTIONS.runs)).rejects.toMatchObject({
      code: 'STATE.INVALID_DOCUMENT',
    });
    await store.close();
  });

  it('reads a metric stored as null (NaN or Infinity in JSON) back as NaN', () => {
    const m = SCHEMAS.VersionDoc.shape.metrics.parse({ r2: 0.9, mse: 1, mae: 1, rmse: 1, mape: 5, overfitting: null });
    expect(Number.isNaN(m.overfitting)).toBe(true);
  });
});
