import { afterEach, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../shared/domain/state.js';
import { createPrng } from '../../shared/domain/stats/index.js';
import { checkExperiment, experimentId, type ExperimentDoc } from '../../shared/services/experiment.service.js';
import { runScheduledCheck } from '../../shared/services/monitor.service.js';
import type { PredictionRecord } from '../../shared/ports/prediction-log.js';
import { MODEL_ID, NOW, monitorFixture, version, type MonitorFixture } from './monitor-fixture.js';

const CANDIDATE = '1.1.0';
const ID = experimentId(MODEL_ID, CANDIDATE);
let fx: MonitorFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const identity = (key: string) => ({
  handler: 'on-drift-alert',
  dedupeKey: key,
  messageId: key,
  topic: 'drift-alerts',
  correlationId: `c-${key}`,
});

/** Labelled traffic: each arm's prediction is the actual times (1 + N(0, relErr)). */
async function traffic(
  f: MonitorFixture,
  n: number,
  relErr: Record<string, number>,
  latencyMs: Record<string, number> = {},
): Promise<void> {
  const rand = createPrng(7);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const rows: PredictionRecord[] = [];
  const actuals: { requestId: string; modelId: string; actualValue: number; observedAt: string }[] = [];
  for (const [v, err] of Object.entries(relErr)) {
    for (let i = 0; i < n; i++) {
      const actual = 1e9 * Math.exp(gauss());
      const requestId = `${v}-${i}`;
      rows.push({
        requestId,
        modelId: MODEL_ID,
        version: v,
        endpointId: `${MODEL_ID}-endpoint`,
        features: { sector: 'Technology' },
        prediction: actual * (1 + err * gauss()),
        predictedAt: new Date(NOW.getTime() - 60_000 + i).toISOString(),
        latencyMs: latencyMs[v] ?? 5,
      });
      actuals.push({ requestId, modelId: MODEL_ID, actualValue: actual, observedAt: NOW.toISOString() });
    }
  }
  await f.stack.predictionLog.record(rows);
  await f.stack.predictionLog.recordActuals(actuals);
}

/** A stack whose 1.1.0 entered canary two hours before NOW, with a capture of the promotions topic. */
async function canaryStack(
  policy = {},
  clock = () => NOW,
): Promise<{ f: MonitorFixture; commands: Record<string, unknown>[] }> {
  const f = await monitorFixture(policy, clock);
  await f.stack.store.createIfAbsent(
    COLLECTIONS.versions(MODEL_ID),
    CANDIDATE,
    version(
      CANDIDATE,
      'canary',
      f.stack.artifacts.uri('runs/run-2'),
      new Date(NOW.getTime() - 2 * 3_600_000).toISOString(),
    ),
  );
  const commands: Record<string, unknown>[] = [];
  f.stack.bus.subscribe('promotions', 'test-promotions-capture', async (event) => {
    commands.push(
      JSON.parse(Buffer.from(event.data.message.data, 'base64').toString('utf8')) as Record<string, unknown>,
    );
  });
  fx = f;
  return { f, commands };
}

async function experiment(f: MonitorFixture): Promise<ExperimentDoc> {
  return (await f.stack.store.get<ExperimentDoc>(COLLECTIONS.experiments, ID)) as ExperimentDoc;
}

describe('canary experiment', () => {
  it('promotes a candidate with a significantly lower MAE, once, with the evidence on the experiment and in the audit log', async () => {
    const { f, commands } = await canaryStack();
    await traffic(f, 80, { '1.0.0': 0.2, [CANDIDATE]: 0.05 });
    const outcome = await checkExperiment(f.stack.deps, identity('tick-1'), MODEL_ID);
    expect(outcome).toMatchObject({ kind: 'concluded', decision: 'promote', action: 'promote' });
    expect(await checkExperiment(f.stack.deps, identity('tick-2'), MODEL_ID)).toEqual({
      experimentId: ID,
      status: 'concluded',
    });
    await f.stack.bus.whenIdle();
    expect(commands).toEqual([
      expect.objectContaining({
        type: 'promotion.command',
        action: 'promote',
        modelId: MODEL_ID,
        version: CANDIDATE,
        actor: 'automation',
      }),
    ]);
    const exp = await experiment(f);
    expect(exp).toMatchObject({
      status: 'concluded',
      outcome: 'promote',
      control: '1.0.0',
      candidate: CANDIDATE,
      startedAt: new Date(NOW.getTime() - 2 * 3_600_000).toISOString(),
    });
    const evidence = exp.evidence as {
      welch: { pValue: number };
      mannWhitney: { pValue: number };
      bootstrap: { upper: number };
      sql: { version: string; count: number; mae: number; rmse: number; mape: number; correlation: number }[];
    };
    expect(evidence.welch.pValue).toBeLessThan(0.05);
    expect(evidence.mannWhitney.pValue).toBeLessThan(0.05);
    expect(evidence.bootstrap.upper).toBeLessThan(0);
    expect(evidence.sql.map((s) => [s.version, s.count])).toEqual([
      ['1.0.0', 80],
      [CANDIDATE, 80],
    ]);
    expect(evidence.sql[1].mape).toBeLessThan(evidence.sql[0].mape);
    const audit = await f.stack.store.query(COLLECTIONS.audit, {
      where: [{ field: 'action', op: '==', value: 'experiment.concluded' }],
    });
    expect(audit).toHaveLength(1);
    expect(audit[0].data).toMatchObject({ actor: 'automation', subject: { kind: 'experiment', id: ID } });
  });

  it('rolls back a candidate with a significantly higher MAE', async () => {
    const { f, commands } = await canaryStack();
    await traffic(f, 80, { '1.0.0': 0.05, [CANDIDATE]: 0.2 });
    expect(await checkExperiment(f.stack.deps, identity('tick-1'), MODEL_ID)).toMatchObject({
      decision: 'rollback',
      action: 'rollback',
    });
    await f.stack.bus.whenIdle();
    expect(commands).toEqual([expect.objectContaining({ action: 'rollback', version: CANDIDATE })]);
    expect((await experiment(f)).reasons?.join(' ')).toMatch(/significantly higher/);
  });

  it('extends an inconclusive experiment at its minimum sample, then stops it at the deadline keeping the control', async () => {
    let now = NOW;
    const { f, commands } = await canaryStack({}, () => now);
    await traffic(f, 40, { '1.0.0': 0.1, [CANDIDATE]: 0.1 });
    expect(await checkExperiment(f.stack.deps, identity('tick-1'), MODEL_ID)).toMatchObject({
      kind: 'extended',
      minSamplesPerArm: 60,
    });
    expect(await experiment(f)).toMatchObject({ status: 'running', extensions: 1, minSamplesPerArm: 60 });
    now = new Date(NOW.getTime() + 80 * 3_600_000); // past the 72 h maximum duration
    expect(await checkExperiment(f.stack.deps, identity('tick-2'), MODEL_ID)).toMatchObject({
      decision: 'inconclusive',
      action: 'rollback',
    });
    await f.stack.bus.whenIdle();
    expect(commands).toEqual([expect.objectContaining({ action: 'rollback', version: CANDIDATE })]);
    expect((await experiment(f)).reasons?.join(' ')).toMatch(/maximum duration reached/);
  });

  it('waits while the arms are below the minimum sample', async () => {
    const { f, commands } = await canaryStack();
    await traffic(f, 12, { '1.0.0': 0.1, [CANDIDATE]: 0.1 });
    expect(await checkExperiment(f.stack.deps, identity('tick-1'), MODEL_ID)).toEqual({
      experimentId: ID,
      status: 'running',
      analysis: 'inconclusive',
    });
    expect((await experiment(f)).lastAnalysis).toMatchObject({ kind: 'inconclusive' });
    await f.stack.bus.whenIdle();
    expect(commands).toEqual([]);
  });

  it('ends early on a latency guardrail, through the scheduled check', async () => {
    const { f, commands } = await canaryStack();
    await traffic(f, 12, { '1.0.0': 0.1, [CANDIDATE]: 0.1 }, { [CANDIDATE]: 2500 });
    const checked = await runScheduledCheck(f.stack.deps, identity('tick-1'), MODEL_ID);
    expect(checked.outcome.experiment).toMatchObject({ decision: 'rollback' });
    await f.stack.bus.whenIdle();
    expect(commands).toEqual([expect.objectContaining({ action: 'rollback', version: CANDIDATE })]);
    expect((await experiment(f)).reasons).toEqual(['guardrail latency_p99_ms breached: 2500 > 1000']);
  });

  it('does not roll back a canary nobody labelled: at the deadline it ends inconclusive and holds the canary for a human (issue 10)', async () => {
    let now = NOW;
    const { f, commands } = await canaryStack({}, () => now);
    expect(await checkExperiment(f.stack.deps, identity('tick-1'), MODEL_ID)).toEqual({
      experimentId: ID,
      status: 'running',
      analysis: 'waiting',
    });
    now = new Date(NOW.getTime() + 80 * 3_600_000);
    expect(await checkExperiment(f.stack.deps, identity('tick-2'), MODEL_ID)).toMatchObject({
      kind: 'concluded',
      decision: 'inconclusive',
      action: 'hold',
    });
    await f.stack.bus.whenIdle();
    expect(commands).toEqual([]);
    const exp = await experiment(f);
    expect(exp).toMatchObject({ status: 'concluded', outcome: 'inconclusive', action: 'hold' });
    expect(exp.reasons?.join(' ')).toMatch(/keeps its traffic until an operator promotes or rolls it back/);
    expect((await f.stack.store.get<{ state: string }>(COLLECTIONS.versions(MODEL_ID), CANDIDATE))?.state).toBe(
      'canary',
    );
    // Later ticks leave it alone.
    expect(await checkExperiment(f.stack.deps, identity('tick-3'), MODEL_ID)).toEqual({
      experimentId: ID,
      status: 'concluded',
    });
  });

  it('holds too when the arms stayed below the minimum sample by the deadline', async () => {
    const { f, commands } = await canaryStack({}, () => new Date(NOW.getTime() + 80 * 3_600_000));
    await traffic(f, 12, { '1.0.0': 0.1, [CANDIDATE]: 0.1 });
    expect(await checkExperiment(f.stack.deps, identity('tick-1'), MODEL_ID)).toMatchObject({
      decision: 'inconclusive',
      action: 'hold',
    });
    await f.stack.bus.whenIdle();
    expect(commands).toEqual([]);
  });
});
