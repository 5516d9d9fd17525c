/** The local platform without training: API validation, the webhook's token check, the landing watcher, restart. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { LIFECYCLE_EVENTS, SUBJECT_KINDS } from '../../shared/domain/contracts/index.js';
import { startPlatform, type Platform } from '../../shared/platform/server.js';

const dir = mkdtempSync(join(tmpdir(), 'ipo-platform-'));
const config = loadConfig({
  IPO_DATA_DIR: dir,
  PORT: '0',
  IPO_BOOTSTRAP_SAMPLE_DATA: 'false',
  LOG_LEVEL: 'ERROR',
  WEBHOOK_TOKEN: 'a-long-enough-test-token',
});
let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform(config, { scheduler: false, watchLanding: false });
});
afterAll(async () => {
  await platform.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${platform.operatorToken.value}` });
const post = (path: string, body: unknown) =>
  fetch(`${platform.url}${path}`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = (path: string) => fetch(`${platform.url}${path}`, { headers: auth() });

describe('local platform API', () => {
  it('publish validates against the contract and lists every issue with its path', async () => {
    const res = await post('/api/publish/promotions', {
      type: 'promotion.command',
      action: 'set-traffic',
      actor: 'a',
      traffic: { '1.0.0': 50 },
      extra: 1,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((i) => i.path).sort()).toEqual(['extra', 'traffic']);
    expect(platform.stack.bus.stats().pending + platform.stack.bus.stats().acked).toBe(0);
  });

  it('publish accepts a valid command and fills its keys', async () => {
    const res = await post('/api/publish/retrain-requests', {
      type: 'retrain.requested',
      reason: 'manual',
      requestedBy: 'ops@example.com',
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      topic: 'retrain-requests',
      idempotencyKey: expect.stringMatching(/^op-/),
      payload: { modelId: 'ipo-valuation' },
    });
    await platform.stack.bus.whenIdle();
    const skipped = (await (await get(`/api/audit?action=retrain.skipped`)).json()) as { reason: string }[];
    expect(skipped[0]?.reason).toMatch(/no data has landed/);
  });

  it('serves the audit vocabulary from the contracts (the console filters on it)', async () => {
    expect(await (await get('/api/audit/vocabulary')).json()).toEqual({
      actions: [...LIFECYCLE_EVENTS],
      subjectKinds: [...SUBJECT_KINDS],
    });
  });

  it('rejects unknown topics, bad JSON, bad filters and wrong methods clearly', async () => {
    expect((await post('/api/publish/nope', {})).status).toBe(404);
    const bad = await post('/api/publish/promotions', '{oops');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/body: not valid JSON/);
    expect((await get(`/api/audit?colour=red`)).status).toBe(400);
    expect((await get(`/api/publish/promotions`)).status).toBe(405);
    expect((await get('/nowhere')).status).toBe(404);
  });

  it('the webhook answers 401 without its token or with a wrong one (the operator token does not replace it), and changes nothing', async () => {
    const incident = {
      version: '1.2',
      incident: {
        incident_id: 'i-1',
        state: 'open',
        started_at: 1577840461,
        policy_name: 'p',
        condition_name: 'c',
        summary: 's',
      },
    };
    expect((await post('/webhooks/monitoring', incident)).status).toBe(401);
    expect((await post('/webhooks/monitoring?token=wrong', incident)).status).toBe(401);
    expect(await (await get(`/api/alerts`)).json()).toEqual([]);
    // The webhook's own contract: its token in the query, no operator token, any Host (a tunnel may front it).
    const ok = await fetch(`${platform.url}/webhooks/monitoring?token=a-long-enough-test-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(incident),
    });
    expect(ok.status).toBe(200);
  });

  it('the landing folder emits data-landed once a CSV stops growing, once per generation', async () => {
    writeFileSync(join(platform.landingDir, 'q1.csv'), 'company_id,fiscal_quarter\nC1,2024Q1\n');
    expect(await platform.scanLanding()).toBe(0); // first sight: wait for a stable size
    expect(await platform.scanLanding()).toBe(1);
    expect(await platform.scanLanding()).toBe(0);
    await platform.stack.bus.whenIdle();
    const runs = (await (await get(`/api/runs`)).json()) as unknown[];
    expect(runs).toHaveLength(1);
  });

  it('a run whose data fails validation fails once, with the report as its reason, and is not retried', async () => {
    let runs: { state: string; error?: string }[] = [];
    for (let i = 0; i < 120 && runs[0]?.state !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await platform.stack.bus.whenIdle();
      runs = (await (await get(`/api/runs`)).json()) as { state: string; error?: string }[];
    }
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/revenue/) });
    const failed = (await (await get(`/api/audit?action=run.failed`)).json()) as { reason: string }[];
    expect(failed[0]?.reason).toMatch(/not retryable/);
  }, 90_000);
});

describe('restart', () => {
  it('keeps state across a restart', async () => {
    await platform.close();
    platform = await startPlatform(config, { scheduler: false, watchLanding: false });
    const runs = (await (await get(`/api/runs`)).json()) as { state: string }[];
    expect(runs.map((r) => r.state)).toEqual(['failed']);
  });
});
