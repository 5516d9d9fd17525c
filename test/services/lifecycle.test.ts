/**
 * The model lifecycle on the embedded state store with the real handlers and fakes for training:
 * first model to production, minor version through canary to production, gate rejection, rollback
 * to the last known-good, coalescing, failed-run retries, drift rollback, alert debounce, approvals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  COLLECTIONS,
  type AlertDoc,
  type DeploymentDoc,
  type ModelDoc,
  type RunDoc,
  type VersionDoc,
} from '../../shared/domain/state.js';
import { fixture } from '../fixtures/envelopes/load.js';
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
  type Harness,
  type HarnessOptions,
} from '../support/service-harness.js';

let h: Harness;
const open = (options: HarnessOptions = {}): Harness => (h = createHarness(options));
afterEach(async () => h.close());

const model = async (): Promise<ModelDoc> => (await h.store.get<ModelDoc>(COLLECTIONS.models, MODEL_ID)) as ModelDoc;
const version = async (v: string): Promise<VersionDoc> =>
  (await h.store.get<VersionDoc>(COLLECTIONS.versions(MODEL_ID), v)) as VersionDoc;
const run = async (id: string): Promise<RunDoc> => (await h.store.get<RunDoc>(COLLECTIONS.runs, id)) as RunDoc;
const deployment = async (): Promise<DeploymentDoc> =>
  (await h.store.get<DeploymentDoc>(COLLECTIONS.deployments, ENDPOINT_ID)) as DeploymentDoc;
const lifecycleEvents = (): string[] =>
  h.bus.on('lifecycle-events').map((m) => String((m.data as { event: string }).event));
const laterHours = (hours: number): void => h.clock.advanceMinutes(hours * 60);

describe('lifecycle on the embedded stack', () => {
  it('data landed -> run requested and the pipeline launched once, with the run id as job id', async () => {
    open();
    h.datasets.rows.set('gs://landing/q1.csv', 1200);
    await h.deliver('data-landed', landed('gs://landing/q1.csv'));
    const runId = await inFlightRun(h.store);
    expect(h.launcher.launches).toEqual([
      expect.objectContaining({ runId, dataUri: 'gs://landing/q1.csv', modelId: MODEL_ID }),
    ]);
    expect(await run(runId)).toMatchObject({
      state: 'submitted',
      reasons: ['new-data'],
      attempt: 1,
      pipelineJobId: runId,
    });
    expect(lifecycleEvents()).toEqual(['run.requested']);
    expect(await model()).toMatchObject({ lastDataUri: 'gs://landing/q1.csv', lastDataRows: 1200 });
  });

  it('first good run -> 1.0.0 blessed, auto-approved, promoted: production at 100% with one champion entry', async () => {
    open();
    const runId = await landAndTrain(h, 'gs://landing/q1.csv');
    const v1 = await version('1.0.0');
    expect(v1).toMatchObject({
      state: 'production',
      runId,
      gate: { verdict: 'blessed', reasons: [] },
      approvals: [{ actor: 'automation' }],
    });
    expect(v1.stateHistory.map((s) => s.to)).toEqual(['registered', 'blessed', 'approved', 'production']);
    expect(v1.lineage).toMatchObject({ runId, datasetFingerprint: 'fp-q1', dataUri: 'gs://landing/q1.csv' });
    expect(await deployment()).toMatchObject({ split: { '1.0.0': 100 }, revision: 1 });
    expect(h.serving.applied.map((a) => a.split)).toEqual([{ '1.0.0': 100 }]);
    const m = await model();
    expect(m.championVersion).toBe('1.0.0');
    expect(m.championHistory).toEqual([expect.objectContaining({ version: '1.0.0', actor: 'automation' })]);
    expect(m.inFlightRunId).toBeNull();
    expect(await run(runId)).toMatchObject({ state: 'evaluated', version: '1.0.0' });
    expect(lifecycleEvents()).toEqual(
      expect.arrayContaining([
        'version.registered',
        'version.blessed',
        'version.approved',
        'version.promoted',
        'traffic.changed',
      ]),
    );
  });

  it('a second run on a new dataset fingerprint -> 1.1.0 canary at the policy percent -> promote: two champion entries', async () => {
    open({ policy: { canaryPercent: 20 } });
    await landAndTrain(h, 'gs://landing/q1.csv');
    laterHours(2);
    await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2', r2: 0.86 }, 2000);
    expect(await version('1.1.0')).toMatchObject({ state: 'canary' });
    expect(await deployment()).toMatchObject({ split: { '1.0.0': 80, '1.1.0': 20 }, revision: 2 });

    await h.deliver('promotions', command('promote', { version: '1.1.0' }));
    expect(await deployment()).toMatchObject({ split: { '1.1.0': 100 }, revision: 3 });
    expect((await version('1.0.0')).state).toBe('retired');
    expect((await version('1.1.0')).state).toBe('production');
    const history = (await model()).championHistory;
    expect(history.map((e) => e.version)).toEqual(['1.0.0', '1.1.0']);
    expect(history[0].to).toBe(history[1].from);
    expect(h.serving.applied.map((a) => a.split)).toEqual([
      { '1.0.0': 100 },
      { '1.0.0': 80, '1.1.0': 20 },
      { '1.1.0': 100 },
    ]);
  });

  it('a run that fails the gate -> version rejected with its reasons and evidence, nothing deployed', async () => {
    open();
    await landAndTrain(h, 'gs://landing/q1.csv', { r2: 0.55, mape: 22 });
    const v = await version('1.0.0');
    expect(v.state).toBe('rejected');
    expect(v.gate.verdict).toBe('rejected');
    expect(v.gate.reasons.join(' ')).toMatch(/r2/i);
    expect(v.gate.reasons.join(' ')).toMatch(/mape/i);
    expect(v.gate.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'value-threshold', metric: 'r2', observed: 0.55, passed: false }),
      ]),
    );
    expect(h.bus.on('promotions')).toEqual([]);
    expect(await h.store.get(COLLECTIONS.deployments, ENDPOINT_ID)).toBeUndefined();
    expect((await model()).championVersion).toBeUndefined();
    const audit = await h.store.query(COLLECTIONS.audit, {
      where: [{ field: 'action', op: '==', value: 'version.rejected' }],
    });
    expect(audit).toHaveLength(1);
    expect(audit[0].data.evidence).toMatchObject({
      checks: expect.arrayContaining([expect.objectContaining({ metric: 'mape', passed: false })]),
    });
  });

  it('rolling back the production version restores the last known-good: 100% to it, champion history appended', async () => {
    open();
    await landAndTrain(h, 'gs://landing/q1.csv');
    laterHours(2);
    await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000);
    await h.deliver('promotions', command('promote', { version: '1.1.0' }));
    laterHours(1);
    await h.deliver(
      'promotions',
      command('rollback', { version: '1.1.0', reason: 'valuations off by 40% on new listings' }),
    );
    expect(await deployment()).toMatchObject({ split: { '1.0.0': 100 }, revision: 4 });
    expect((await version('1.1.0')).state).toBe('rolled_back');
    expect((await version('1.0.0')).state).toBe('production');
    const m = await model();
    expect(m.championVersion).toBe('1.0.0');
    expect(m.championHistory.map((e) => e.version)).toEqual(['1.0.0', '1.1.0', '1.0.0']);
    expect(h.serving.applied.at(-1)?.split).toEqual({ '1.0.0': 100 });
  });

  it('a trigger while a run is in flight coalesces; the follow-up starts when the first run completes', async () => {
    open();
    await h.deliver('data-landed', landed('gs://landing/q1.csv'));
    const first = await inFlightRun(h.store);
    await h.deliver('retrain-requests', {
      type: 'retrain.requested',
      modelId: MODEL_ID,
      reason: 'manual',
      requestedBy: 'operator@local',
    });
    await h.deliver('data-landed', landed('gs://landing/q1b.csv'));
    expect(h.launcher.launches).toHaveLength(1);
    expect((await run(first)).followUp).toMatchObject({
      reasons: ['manual', 'new-data'],
      dataUri: 'gs://landing/q1b.csv',
    });
    expect(lifecycleEvents().filter((e) => e === 'run.coalesced')).toHaveLength(2);

    await h.complete(first, 'succeeded');
    const followUp = await inFlightRun(h.store);
    expect(followUp).not.toBe(first);
    expect(h.launcher.launches.map((l) => l.runId)).toEqual([first, followUp]);
    expect(await run(followUp)).toMatchObject({
      state: 'submitted',
      reasons: ['manual', 'new-data'],
      dataUri: 'gs://landing/q1b.csv',
    });
  });

  it('a failed run schedules a retry with backoff; the reconciler launches it when due; the champion is untouched', async () => {
    open();
    await landAndTrain(h, 'gs://landing/q1.csv');
    laterHours(2);
    h.datasets.rows.set('gs://landing/q2.csv', 2000);
    await h.deliver('data-landed', landed('gs://landing/q2.csv'));
    const failed = await inFlightRun(h.store);
    const before = await deployment();
    await h.complete(failed, 'failed', 'worker ran out of memory');

    const retryId = await inFlightRun(h.store);
    expect(await run(failed)).toMatchObject({ state: 'failed', error: 'worker ran out of memory' });
    const retry = await run(retryId);
    expect(retry).toMatchObject({ state: 'requested', attempt: 2, retryOf: failed, dataUri: 'gs://landing/q2.csv' });
    expect(Date.parse(String(retry.notBefore)) - h.clock.now().getTime()).toBe(60_000); // policy backoff [1, 5, 15] minutes
    expect(h.launcher.launches.map((l) => l.runId)).not.toContain(retryId);
    expect((await model()).championVersion).toBe('1.0.0');
    expect(await deployment()).toEqual(before);

    await h.deliver('pipeline-events', { type: 'system.reconcile' });
    expect(h.launcher.launches.map((l) => l.runId)).not.toContain(retryId);
    h.clock.advanceMinutes(2);
    await h.deliver('pipeline-events', { type: 'system.reconcile' });
    expect(h.launcher.launches.filter((l) => l.runId === retryId)).toHaveLength(1);
    expect((await run(retryId)).state).toBe('submitted');
  });

  it('a run failing every attempt gives up after maxRunAttempts; the champion stays', async () => {
    open({ policy: { retrain: { maxRunAttempts: 2 } } });
    await landAndTrain(h, 'gs://landing/q1.csv');
    laterHours(2);
    h.datasets.rows.set('gs://landing/q2.csv', 2000);
    await h.deliver('data-landed', landed('gs://landing/q2.csv'));
    await h.complete(await inFlightRun(h.store), 'failed', 'boom');
    await h.complete(await inFlightRun(h.store), 'failed', 'boom again');
    const m = await model();
    expect(m.inFlightRunId).toBeNull();
    expect(m.championVersion).toBe('1.0.0');
    expect(lifecycleEvents().filter((e) => e.startsWith('run.'))).toEqual(
      expect.arrayContaining(['run.retry-scheduled', 'run.failed']),
    );
  });

  it('a performance alert while a canary is live -> rollback command -> canary rolled back, champion at 100%', async () => {
    open();
    await landAndTrain(h, 'gs://landing/q1.csv');
    laterHours(2);
    await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000);
    expect((await version('1.1.0')).state).toBe('canary');

    await h.deliver('drift-alerts', {
      type: 'drift.detected',
      modelId: MODEL_ID,
      signal: 'performance',
      source: 'monitor',
      summary: 'R² on labelled traffic fell to 0.41',
      evidence: { r2: 0.41 },
    });
    expect(h.bus.on('promotions').at(-1)?.data).toMatchObject({
      action: 'rollback',
      version: '1.1.0',
      actor: 'automation',
    });
    await h.pump();
    expect((await version('1.1.0')).state).toBe('rolled_back');
    expect(await deployment()).toMatchObject({ split: { '1.0.0': 100 } });
    expect((await model()).championVersion).toBe('1.0.0');
    expect(h.bus.on('retrain-requests')).toEqual([]);
  });

  it('a drift alert naming the live canary rolls it back; an unversioned drift alert asks for a retrain instead', async () => {
    open();
    await landAndTrain(h, 'gs://landing/q1.csv');
    laterHours(2);
    await landAndTrain(h, 'gs://landing/q2.csv', { fingerprint: 'fp-q2' }, 2000);
    const drift = (extra: Record<string, unknown>) => ({
      type: 'drift.detected',
      modelId: MODEL_ID,
      signal: 'drift',
      source: 'monitor',
      summary: 'PSI 0.31 on offer_price',
      evidence: { psi: 0.31 },
      ...extra,
    });

    await h.deliver('drift-alerts', drift({}));
    expect(h.bus.on('retrain-requests')).toHaveLength(1);
    expect(h.bus.on('promotions').filter((m) => (m.data as { action: string }).action === 'rollback')).toEqual([]);

    await h.deliver('drift-alerts', drift({ version: '1.1.0' }));
    expect(h.bus.on('promotions').at(-1)?.data).toMatchObject({ action: 'rollback', version: '1.1.0' });
    await h.pump();
    expect((await version('1.1.0')).state).toBe('rolled_back');
    expect(await deployment()).toMatchObject({ split: { '1.0.0': 100 } });
  });

  it('an incident that opens, closes and reopens requests exactly one retrain (debounce)', async () => {
    open();
    await h.deliver('data-landed', landed('gs://landing/q1.csv'));
    const openIncident = fixture('monitoring-incident-open.json');
    const closedIncident = fixture('monitoring-incident-closed.json');
    const reopened = structuredClone(openIncident) as { incident: { incident_id: string } };
    reopened.incident.incident_id = '0.second-incident';

    await h.deliver('drift-alerts', openIncident);
    h.clock.advanceMinutes(5);
    await h.deliver('drift-alerts', closedIncident);
    h.clock.advanceMinutes(5);
    await h.deliver('drift-alerts', openIncident); // the same notification again (new message id)
    await h.deliver('drift-alerts', reopened);

    expect(h.bus.on('retrain-requests')).toHaveLength(1);
    expect(h.bus.on('retrain-requests')[0].data).toMatchObject({ reason: 'drift', requestedBy: 'on-drift-alert' });
    const alerts = (await h.store.query<AlertDoc>(COLLECTIONS.alerts)).map((a) => a.data);
    expect(alerts.map((a) => [a.state, a.decision]).sort()).toEqual([
      ['closed', 'resolve'],
      ['open', 'debounced'],
    ]);

    laterHours(1);
    const third = structuredClone(openIncident) as { incident: { incident_id: string } };
    third.incident.incident_id = '0.third-incident';
    await h.deliver('drift-alerts', third);
    expect(h.bus.on('retrain-requests')).toHaveLength(2);
  });

  it('with autoApprove false: approval-needed; a non-approver is refused; an approver approves and it is promoted', async () => {
    open({ policy: { autoApprove: false } });
    await landAndTrain(h, 'gs://landing/q1.csv');
    expect((await version('1.0.0')).state).toBe('blessed');
    expect(lifecycleEvents()).toContain('approval-needed');
    expect(h.bus.on('promotions')).toEqual([]);

    await h.deliver('promotions', command('approve', { version: '1.0.0', actor: 'intern@example.com' }));
    expect((await version('1.0.0')).state).toBe('blessed');
    const refused = await ledgerEntries(h.store, 'rejected');
    expect(refused).toEqual([
      expect.objectContaining({ outcome: expect.objectContaining({ code: 'PROMOTION.UNAUTHORIZED' }) }),
    ]);

    await h.deliver('promotions', command('approve', { version: '1.0.0', actor: 'operator@local' }));
    await h.pump();
    const v = await version('1.0.0');
    expect(v.state).toBe('production');
    expect(v.approvals.map((a) => a.actor)).toEqual(['operator@local']);
    expect(await deployment()).toMatchObject({ split: { '1.0.0': 100 } });
  });

  it('a retrain request with too few new rows after a champion is skipped, and nothing launches', async () => {
    open();
    await landAndTrain(h, 'gs://landing/q1.csv');
    laterHours(2);
    h.inspector.next = evaluation();
    h.datasets.rows.set('gs://landing/q1-more.csv', 1100);
    await h.deliver('data-landed', landed('gs://landing/q1-more.csv'));
    expect(h.launcher.launches).toHaveLength(1);
    expect(lifecycleEvents()).toContain('retrain.skipped');
  });
});
