/** The API routes the CLI and console build on: outcomes of commands, a model's policy, a version's importances, dead letters. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS, type VersionDoc } from '../../shared/domain/state.js';
import { seedModel } from '../cli/support.js';
import { startTestPlatform, type TestPlatform } from './support.js';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
  await seedModel(t, 'ipo-valuation', { canaryPercent: 12, approvers: ['alice@example.com'] });
});
afterAll(async () => {
  await t.close();
});

const get = (path: string) => fetch(`${t.platform.url}${path}`, { headers: t.auth() });
const post = (path: string, body: unknown) =>
  fetch(`${t.platform.url}${path}`, {
    method: 'POST',
    headers: { ...t.auth(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('GET /api/outcomes', () => {
  it('the publish reply names the key under which the consumer records the outcome', async () => {
    const res = await post('/api/publish/promotions', {
      type: 'promotion.command',
      action: 'approve',
      modelId: 'ipo-valuation',
      version: '9.9.9',
      actor: 'alice@example.com',
      idempotencyKey: 'approve-999',
    });
    expect(res.status).toBe(202);
    const sent = (await res.json()) as { dedupeKey: string; idempotencyKey: string };
    expect(sent).toMatchObject({ dedupeKey: 'approve-999', idempotencyKey: 'approve-999' });
    await t.platform.stack.bus.whenIdle();
    const outcome = await get('/api/outcomes?topic=promotions&key=approve-999');
    expect(outcome.status).toBe(200);
    expect(await outcome.json()).toMatchObject({
      topic: 'promotions',
      key: 'approve-999',
      status: 'rejected',
      handler: 'on-promotion',
      pending: false,
      outcome: { kind: 'rejected', message: expect.stringMatching(/9\.9\.9/) },
    });
  });

  it('an applied command: its outcome as recorded; a duplicate publish finds the same one', async () => {
    const body = {
      type: 'retrain.requested',
      reason: 'manual',
      requestedBy: 'alice@example.com',
      idempotencyKey: 'retrain-1',
    };
    await post('/api/publish/retrain-requests', body);
    await post('/api/publish/retrain-requests', body);
    await t.platform.stack.bus.whenIdle();
    const outcome = (await (await get('/api/outcomes?topic=retrain-requests&key=retrain-1')).json()) as {
      status: string;
      outcome: { kind: string };
    };
    expect(outcome).toMatchObject({ status: 'applied', outcome: { kind: 'skipped' } });
    const audit = (await (await get('/api/audit?action=retrain.skipped&correlationId=retrain-1')).json()) as unknown[];
    expect(audit).toHaveLength(1);
  });

  it('404 while nothing is recorded; 400 naming a missing or unknown parameter', async () => {
    const missing = await get('/api/outcomes?topic=promotions&key=never-sent');
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('API.NO_OUTCOME');
    expect((await errorOf(await get('/api/outcomes?key=k'))).message).toMatch(/^topic: required/);
    expect((await errorOf(await get('/api/outcomes?topic=promotions'))).message).toMatch(/^key: required/);
    expect((await errorOf(await get('/api/outcomes?topic=nope&key=k'))).message).toMatch(/^topic: nope is not one of/);
  });
});

describe('GET /api/models/:id/policy', () => {
  it('the effective policy: stored fields over every default', async () => {
    const body = (await (await get('/api/models/ipo-valuation/policy')).json()) as {
      modelId: string;
      policy: { canaryPercent: number; approvers: string[]; retrain: { minNewRows: number } };
    };
    expect(body.modelId).toBe('ipo-valuation');
    expect(body.policy).toMatchObject({
      canaryPercent: 12,
      approvers: ['alice@example.com'],
      retrain: { minNewRows: 500 },
    });
    expect((await get('/api/models/nope/policy')).status).toBe(404);
  });
});

describe('GET /api/models/:id/versions/:v/importances', () => {
  it('serves importances.json next to the version artifacts; 404 when the version has none', async () => {
    const artifactUri = t.platform.stack.artifacts.uri('runs/run-imp');
    const at = new Date().toISOString();
    const version = {
      modelId: 'ipo-valuation',
      version: '1.0.0',
      state: 'production',
      runId: 'run-imp',
      artifactUri,
      metrics: { r2: 0.8, mse: 1, mae: 1, rmse: 1, mape: 10, overfitting: 1.1 },
      gate: { verdict: 'blessed', reasons: [], evidence: [] },
      lineage: {},
      approvals: [],
      stateHistory: [],
      createdAt: at,
      updatedAt: at,
    } as unknown as VersionDoc;
    await t.platform.stack.store.transaction(async (tx) => {
      tx.set(COLLECTIONS.versions('ipo-valuation'), '1.0.0', version);
      tx.set(COLLECTIONS.versions('ipo-valuation'), '1.1.0', {
        ...version,
        version: '1.1.0',
        artifactUri: t.platform.stack.artifacts.uri('runs/run-old'),
      });
    });
    const importances = {
      family: 'trees',
      method: 'tree-shap',
      rows: 200,
      split: 'validation',
      scale: 'log',
      features: [
        { feature: 'log_revenue', meanAbsAttribution: 0.61, gainShare: 0.5 },
        { feature: 'sector', meanAbsAttribution: 0.2, gainShare: 0.1 },
      ],
    };
    mkdirSync(join(t.dir, 'artifacts', 'runs', 'run-imp'), { recursive: true });
    writeFileSync(join(t.dir, 'artifacts', 'runs', 'run-imp', 'importances.json'), JSON.stringify(importances));
    const res = await get('/api/models/ipo-valuation/versions/1.0.0/importances');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ modelId: 'ipo-valuation', version: '1.0.0', artifactUri, importances });
    const none = await get('/api/models/ipo-valuation/versions/1.1.0/importances');
    expect(none.status).toBe(404);
    expect((await errorOf(none)).code).toBe('API.NO_IMPORTANCES');
    expect((await get('/api/models/ipo-valuation/versions/7.7.7/importances')).status).toBe(404);
  });
});

describe('dead letters', () => {
  it('GET lists (optionally one topic); a replay selector is validated before anything happens', async () => {
    expect(await (await get('/api/dead-letters')).json()).toEqual([]);
    expect((await get('/api/dead-letters?topic=nope')).status).toBe(400);
    const bad = await post('/api/dead-letters/replay', { ids: ['1'], all: true });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('give exactly one of ids, topic or all');
    expect((await post('/api/dead-letters/replay', { topic: 'nope' })).status).toBe(400);
    expect((await post('/api/dead-letters/replay', { all: false })).status).toBe(400);
  });
});
