/**
 * Governance through the real handlers on the embedded store (issues 11, 12, 13): the four-eyes rule
 * takes the requester from what was recorded (omitting `requestedBy` no longer bypasses it), an
 * `automation` actor needs a valid signature, genuine automation still runs end to end (auto-approve ->
 * canary -> experiment decision -> promote), and `policy.update` changes a policy field by field,
 * approver-only, validated and audited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { experimentId, signCommand } from '../../shared/domain/lifecycle/index.js';
import { COLLECTIONS, type DeploymentDoc, type ModelDoc, type VersionDoc } from '../../shared/domain/state.js';
import type { LabelledPrediction } from '../../shared/ports/prediction-log.js';
import { expectInvariants } from '../support/lifecycle-state.js';
import {
  ENDPOINT_ID,
  MODEL_ID,
  command,
  createHarness,
  evaluation,
  inFlightRun,
  landAndTrain,
  landed,
  ledgerEntries,
  signedAttributes,
  type Harness,
  type HarnessOptions,
} from '../support/service-harness.js';

let h: Harness;
const open = (options: HarnessOptions = {}): Harness => (h = createHarness(options));
afterEach(async () => h.close());

const model = async (): Promise<ModelDoc> => (await h.store.get<ModelDoc>(COLLECTIONS.models, MODEL_ID)) as ModelDoc;
const version = async (v: string): Promise<VersionDoc> =>
  (await h.store.get<VersionDoc>(COLLECTIONS.versions(MODEL_ID), v)) as VersionDoc;
/** Refused commands in the order they arrived (tests move the clock between deliveries). */
const refusals = async (): Promise<{ code: string; message: string }[]> =>
  (await ledgerEntries(h.store, 'rejected'))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((e) => ({ code: String(e.outcome.code), message: String(e.outcome.message) }));
const events = (name: string): Record<string, unknown>[] =>
  h.bus
    .on('lifecycle-events')
    .map((m) => m.data as Record<string, unknown>)
    .filter((e) => e.event === name);

/** Train a version from a manual retrain requested by `requester` (the run records who asked); returns it. */
async function trainRequestedBy(
  requester: string,
  dataUri: string,
  fingerprint: string,
  rows: number,
): Promise<string> {
  h.datasets.rows.set(dataUri, rows);
  await h.deliver('data-landed', landed(dataUri));
  const landedRun = await inFlightRun(h.store);
  h.inspector.byRun.set(landedRun, evaluation({ fingerprint, rows }));
  // The manual request arrives while the landing's run is in flight: it coalesces into the follow-up run.
  await h.deliver('retrain-requests', {
    type: 'retrain.requested',
    modelId: MODEL_ID,
    reason: 'manual',
    requestedBy: requester,
  });
  await h.complete(landedRun, 'succeeded');
  const followUp = await inFlightRun(h.store);
  h.inspector.byRun.set(followUp, evaluation({ fingerprint: `${fingerprint}-b`, rows }));
  await h.complete(followUp, 'succeeded');
  return (await model()).versionList?.at(-1) as string;
}

describe('four-eyes', () => {
  const fourEyes = {
    autoApprove: false,
    requireDistinctApprover: true,
    approvers: ['alice@example.com', 'bob@example.com', 'automation'],
  };

  it('records who asked for a version (coalesced requests included) on its lineage', async () => {
    open({ policy: fourEyes });
    const alices = await trainRequestedBy('alice@example.com', 'gs://landing/q1.csv', 'fp-q1', 1000);
    expect(alices).not.toBe('1.0.0');
    expect((await version('1.0.0')).lineage.requestedBy).toEqual(['data-landed:loader']);
    expect((await version(alices)).lineage.requestedBy).toEqual(['alice@example.com']);
  });

  it('refuses the requester approving her own version even when the command omits requestedBy; another approver may', async () => {
    open({ policy: fourEyes });
    const alices = await trainRequestedBy('alice@example.com', 'gs://landing/q1.csv', 'fp-q1', 1000);
    await h.deliver('promotions', command('approve', { version: alices, actor: 'alice@example.com' }));
    expect(await refusals()).toEqual([
      expect.objectContaining({
        code: 'PROMOTION.SAME_APPROVER',
        message: expect.stringContaining('alice@example.com requested this version') as string,
      }),
    ]);
    expect((await version(alices)).state).toBe('blessed');

    await h.deliver('promotions', command('approve', { version: alices, actor: 'bob@example.com' }));
    await h.pump();
    expect((await version(alices)).state).toBe('production');
    expect((await model()).championVersion).toBe(alices);
  });

  it('refuses approving a version whose requester is unknown unless the command names one', async () => {
    open({ policy: fourEyes });
    await landAndTrain(h, 'gs://landing/q1.csv');
    // A version registered before requesters were recorded.
    const v = await version('1.0.0');
    await h.store.transaction(async (tx) =>
      tx.set(COLLECTIONS.versions(MODEL_ID), '1.0.0', { ...v, lineage: { ...v.lineage, requestedBy: [] } }),
    );
    await h.deliver('promotions', command('approve', { version: '1.0.0', actor: 'bob@example.com' }));
    expect((await refusals()).map((r) => r.code)).toEqual(['PROMOTION.REQUESTER_UNKNOWN']);
    h.clock.advanceMinutes(1);
    await h.deliver(
      'promotions',
      command('approve', { version: '1.0.0', actor: 'bob@example.com', requestedBy: 'bob@example.com' }),
    );
    expect((await refusals()).map((r) => r.code)).toEqual(['PROMOTION.REQUESTER_UNKNOWN', 'PROMOTION.SAME_APPROVER']);
    await h.deliver(
      'promotions',
      command('approve', { version: '1.0.0', actor: 'bob@example.com', requestedBy: 'alice@example.com' }),
    );
    expect((await version('1.0.0')).state).toBe('approved');
  });
});

describe('automation commands are signed', () => {
  const promote = {
    type: 'promotion.command',
    action: 'promote',
    modelId: MODEL_ID,
    version: '1.1.0',
    actor: 'automation',
    reason: 'experiment says so',
    idempotencyKey: 'k-auto-1',
    correlationId: 'c-1',
  };

  async function withCanary(): Promise<void> {
    open();
    await landAndTrain(h, 'gs://landing/q1.csv');
    h.clock.advanceMinutes(120);
    await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000);
    expect((await version('1.1.0')).state).toBe('canary');
  }

  it.each([
    ['no signature', {}],
    [
      'a signature made with another key',
      { signature: signCommand('some-other-key-that-is-long-enough-0000', 'promotions', promote) },
    ],
    [
      'a signature of another payload (tampered version)',
      {
        signature: signCommand('test-command-signing-key-0123456789abcdef', 'promotions', {
          ...promote,
          version: '1.0.0',
        }),
      },
    ],
    ['a signature that is not hex', { signature: 'not-a-signature' }],
  ])('refuses a spoofed automation promote with %s, and changes nothing', async (_name, attributes) => {
    await withCanary();
    const before = await h.store.get<DeploymentDoc>(COLLECTIONS.deployments, ENDPOINT_ID);
    await h.deliver('promotions', promote, { attributes });
    expect(await refusals()).toEqual([
      expect.objectContaining({
        code: 'PROMOTION.UNAUTHORIZED',
        message: expect.stringMatching(/^actor: "automation" is reserved/) as string,
      }),
    ]);
    expect((await version('1.1.0')).state).toBe('canary');
    expect(await h.store.get(COLLECTIONS.deployments, ENDPOINT_ID)).toEqual(before);
  });

  it('accepts the same command with a valid signature, and a policy update by "automation" needs one too', async () => {
    await withCanary();
    await h.deliver('promotions', promote, { attributes: signedAttributes('promotions', promote) });
    expect((await version('1.1.0')).state).toBe('production');
    const update = { type: 'policy.update', modelId: MODEL_ID, actor: 'automation', policy: { canaryPercent: 50 } };
    await h.deliver('promotions', update);
    expect((await refusals()).map((r) => r.code)).toEqual(['PROMOTION.UNAUTHORIZED']);
  });

  it('genuine automation end to end: auto-approve -> canary -> experiment decision -> promote', async () => {
    await withCanary();
    expect(h.bus.on('promotions').every((m) => typeof m.attributes?.signature === 'string')).toBe(true);
    expect(await h.store.get(COLLECTIONS.experiments, experimentId(MODEL_ID, '1.1.0'))).toMatchObject({
      status: 'running',
      control: '1.0.0',
    });
    // Labelled traffic: the candidate's errors are a quarter of the champion's.
    const at = h.clock.now().toISOString();
    for (let i = 0; i < 60; i += 1) {
      const actual = 1e9 * (1 + (i % 7));
      for (const [v, err] of [
        ['1.0.0', 0.2],
        ['1.1.0', 0.05],
      ] as const) {
        const sign = i % 2 === 0 ? 1 : -1;
        h.labelled.push({
          requestId: `${v}-${i}`,
          modelId: MODEL_ID,
          version: v,
          endpointId: ENDPOINT_ID,
          features: {},
          prediction: actual * (1 + sign * err * (1 + (i % 3) / 10)),
          predictedAt: at,
          latencyMs: 5,
          actualValue: actual,
          observedAt: at,
        } satisfies LabelledPrediction);
      }
    }
    await h.deliver('drift-alerts', { type: 'monitor.scheduled-check', modelId: MODEL_ID, idempotencyKey: 'tick-1' });
    expect(await h.store.get(COLLECTIONS.experiments, experimentId(MODEL_ID, '1.1.0'))).toMatchObject({
      status: 'concluded',
      outcome: 'promote',
      action: 'promote',
    });
    await h.pump();
    expect((await version('1.1.0')).state).toBe('production');
    expect((await version('1.0.0')).state).toBe('retired');
    expect((await model()).championHistory.at(-1)).toMatchObject({ version: '1.1.0', actor: 'automation' });
    expect(await refusals()).toEqual([]);
    await expectInvariants(h.store, 'experiment promotion');
  });
});

describe('policy.update', () => {
  const update = (policy: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: 'policy.update',
    modelId: MODEL_ID,
    actor: 'operator@local',
    policy,
    ...extra,
  });

  it('merges field by field, audits the before/after of every changed field, and later runs use it', async () => {
    open();
    await landAndTrain(h, 'gs://landing/q1.csv');
    const before = (await model()).policy as { gate: { valueThresholds: unknown[] }; canaryPercent: number };
    await h.deliver(
      'promotions',
      update(
        { gate: { scale: 'log' }, canaryPercent: 25, approvers: ['operator@local', 'alice@example.com', 'automation'] },
        { reason: 'judge on the training scale' },
      ),
    );
    const after = (await model()).policy as typeof before & { gate: { scale: string }; approvers: string[] };
    expect(after.gate.scale).toBe('log');
    expect(after.gate.valueThresholds).toEqual(before.gate.valueThresholds);
    expect(after.canaryPercent).toBe(25);
    const [audited] = events('policy.updated');
    expect(audited).toMatchObject({
      actor: 'operator@local',
      reason: 'judge on the training scale',
      subject: { kind: 'model', id: MODEL_ID },
    });
    expect((audited.evidence as { changes: unknown[] }).changes).toEqual([
      {
        path: 'approvers',
        before: ['operator@local', 'automation'],
        after: ['operator@local', 'alice@example.com', 'automation'],
      },
      { path: 'canaryPercent', before: 10, after: 25 },
      { path: 'gate.scale', before: 'target', after: 'log' },
    ]);

    // The README's path: alice, now an approver, approves; the gate judges on the log scale.
    h.clock.advanceMinutes(120);
    const logScale = { r2: 0.93, mse: 0.05, mae: 0.17, rmse: 0.22 };
    const good = evaluation({ fingerprint: 'fp-q2', rows: 2000 });
    h.datasets.rows.set('gs://landing/q2.csv', 2000);
    await h.deliver('data-landed', landed('gs://landing/q2.csv'));
    const runId = await inFlightRun(h.store);
    h.inspector.byRun.set(runId, {
      ...good,
      metrics: { ...good.metrics, logScale },
      baselineMetrics: { ...good.baselineMetrics, logScale: { r2: 0.5, mse: 1, mae: 0.8, rmse: 1 } },
    });
    await h.complete(runId, 'succeeded');
    await h.pump();
    const v = await version('1.1.0');
    // The champion's metrics on the same data lack logScale: the change thresholds on R² fail, saying so.
    expect(v.gate.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'value-threshold', metric: 'r2', scale: 'log', observed: 0.93, passed: true }),
      ]),
    );
    expect(v.gate.reasons.join(' ')).toMatch(
      /r2 \(log scale\) absolute change vs champion .*champion has no log-scale metrics/,
    );
  });

  it('resets a field to its default with null, and records an unchanged patch without an audit entry', async () => {
    open({ policy: { canaryPercent: 30 } });
    await landAndTrain(h, 'gs://landing/q1.csv');
    await h.deliver('promotions', update({ canaryPercent: null }));
    expect(((await model()).policy as { canaryPercent: number }).canaryPercent).toBe(10);
    await h.deliver('promotions', update({ canaryPercent: 10 }));
    expect(events('policy.updated')).toHaveLength(1);
    expect((await ledgerEntries(h.store, 'applied')).map((e) => e.outcome.kind)).toContain('policy-unchanged');
  });

  it.each([
    [
      'a non-approver',
      update({ canaryPercent: 20 }, { actor: 'mallory@example.com' }),
      'PROMOTION.UNAUTHORIZED',
      /actor: mallory@example\.com may not change the policy/,
    ],
    ['an invalid value', update({ gate: { scale: 'sqrt' } }), 'CONTRACT.INVALID', /policy\.gate\.scale/],
    ['an unknown field', update({ gate: { mape: 20 } }), 'CONTRACT.INVALID', /policy\.gate.*mape/],
    ['an empty patch', update({}), 'CONTRACT.INVALID', /policy: must change at least one field/],
    ['an empty approver list', update({ approvers: [] }), 'CONTRACT.INVALID', /policy\.approvers/],
    [
      'an unknown model',
      update({ canaryPercent: 20 }, { modelId: 'other-model' }),
      'PROMOTION.UNKNOWN_MODEL',
      /other-model/,
    ],
  ])('refuses %s naming the field, and changes nothing', async (_name, payload, code, message) => {
    open();
    await landAndTrain(h, 'gs://landing/q1.csv');
    const before = await model();
    await h.deliver('promotions', payload);
    expect(await refusals()).toEqual([
      expect.objectContaining({ code, message: expect.stringMatching(message) as string }),
    ]);
    expect(await model()).toEqual(before);
  });
});
