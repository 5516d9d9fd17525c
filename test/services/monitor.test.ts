import { afterEach, describe, expect, it } from 'vitest';
import { COLLECTIONS, type AlertDoc } from '../../shared/domain/state.js';
import { measure, runScheduledCheck, confirmExternalAlert } from '../../shared/services/monitor.service.js';
import type { ModelDoc } from '../../shared/domain/state.js';
import { MODEL_ID, NOW, monitorFixture, panelRows, servingRecords, type MonitorFixture } from './monitor-fixture.js';

// The window holds the whole serving sample: 250 companies x 12 quarters.
const POLICY = { drift: { windowSize: 3000 } };
let fx: MonitorFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function model(f: MonitorFixture): Promise<ModelDoc> {
  return (await f.stack.store.get<ModelDoc>(COLLECTIONS.models, MODEL_ID)) as ModelDoc;
}

const identity = (key: string) => ({
  handler: 'on-drift-alert',
  dedupeKey: key,
  messageId: key,
  topic: 'drift-alerts',
  correlationId: `c-${key}`,
});

describe('scheduled monitor', () => {
  it('finds no drift or skew on a fresh sample of the training distribution and writes the metrics', async () => {
    fx = await monitorFixture(POLICY);
    await fx.stack.predictionLog.record(servingRecords({ seed: 2 }));
    const findings = await measure(fx.stack.deps, await model(fx));
    expect(findings).toEqual([]);
    const since = new Date(NOW.getTime() - 1000).toISOString();
    const [share] = await fx.stack.metrics.read(MODEL_ID, 'drift_share', since);
    expect(share.value).toBeLessThan(0.3);
    const features = await fx.stack.metrics.read(MODEL_ID, 'feature_drift', since);
    expect(features.map((p) => p.labels.feature).sort()).toEqual([
      'market_cap',
      'net_income',
      'revenue',
      'sector',
      'total_debt',
      'total_equity',
    ]);
    expect(features.find((p) => p.labels.feature === 'revenue')?.labels.method).toBe('psi');
    expect((await fx.stack.metrics.read(MODEL_ID, 'skew_share', since))[0].value).toBeLessThan(0.3);
    expect(await fx.stack.metrics.read(MODEL_ID, 'prediction_drift', since)).toHaveLength(1);
  });

  it('detects drift on the regime-shift data, with per-column evidence', async () => {
    fx = await monitorFixture(POLICY);
    await fx.stack.predictionLog.record(servingRecords({ seed: 2, regimeShift: true }));
    const findings = await measure(fx.stack.deps, await model(fx));
    const drift = findings.find((f) => f.signal === 'drift');
    expect(drift?.summary).toMatch(/market_cap/);
    expect(drift?.summary).toMatch(/sector/);
    const columns = drift?.evidence.features as {
      feature: string;
      drifted: boolean;
      method: string;
      threshold: number;
    }[];
    expect(
      columns
        .filter((c) => c.drifted)
        .map((c) => c.feature)
        .sort(),
    ).toEqual(['market_cap', 'sector']);
    expect(columns.find((c) => c.feature === 'market_cap')).toMatchObject({ method: 'psi', threshold: 0.2 });
    expect(drift?.evidence).toMatchObject({
      driftShare: 0.3,
      window: { predictions: 3000, reference: 'training-csv' },
    });
  });

  it('reports skew when serving sends single rows without the history the sequential features need', async () => {
    fx = await monitorFixture(POLICY);
    // Each instance alone in its request: growth, rolling and change features cannot be computed.
    const single = servingRecords({ seed: 2 }).map((r, i) => ({
      ...r,
      requestId: `single-${i}`,
      predictedAt: new Date(NOW.getTime() - i).toISOString(),
    }));
    await fx.stack.predictionLog.record(single);
    const findings = await measure(fx.stack.deps, await model(fx));
    const skew = findings.find((f) => f.signal === 'skew');
    expect(skew?.summary).toMatch(/revenue_growth_yoy/);
    expect(findings.find((f) => f.signal === 'drift')).toBeUndefined();
  });

  it('writes the business metrics: MAPE by sector, error quantiles, confidence and volume by market condition', async () => {
    fx = await monitorFixture(POLICY);
    const records = servingRecords({ seed: 2 });
    await fx.stack.predictionLog.record(records);
    const actual = new Map(
      panelRows({ seed: 2 }).map((r) => [
        `${String(r.company_id)}#${String(r.fiscal_quarter)}`,
        Number(r.enterprise_value),
      ]),
    );
    const actuals = records.flatMap((r) => {
      const v = actual.get(`${String(r.features.company_id)}#${String(r.features.fiscal_quarter)}`);
      return v !== undefined && Number.isFinite(v) && v > 0
        ? [{ requestId: r.requestId, modelId: MODEL_ID, actualValue: v, observedAt: NOW.toISOString() }]
        : [];
    });
    await fx.stack.predictionLog.recordActuals(actuals);
    await measure(fx.stack.deps, await model(fx));
    const since = new Date(NOW.getTime() - 1000).toISOString();
    const bySector = await fx.stack.metrics.read(MODEL_ID, 'accuracy_by_sector', since);
    expect(bySector.map((p) => p.labels.value)).toEqual(expect.arrayContaining(['Technology', 'Energy', 'Financials']));
    expect(bySector.every((p) => p.labels.slice === 'sector' && p.value > 0)).toBe(true);
    const quantiles = await fx.stack.metrics.read(MODEL_ID, 'valuation_error_quantile', since);
    expect(quantiles.map((p) => p.labels.quantile)).toEqual(['p10', 'p50', 'p90']);
    expect(quantiles[0].value).toBeLessThanOrEqual(quantiles[1].value);
    expect(quantiles[1].value).toBeLessThanOrEqual(quantiles[2].value);
    const confidence = await fx.stack.metrics.read(MODEL_ID, 'model_confidence', since);
    const inRange = confidence.find((p) => p.labels.kind === 'in_range_share');
    expect(inRange?.value).toBeGreaterThan(0.8);
    expect(confidence.find((p) => p.labels.kind === 'prediction_spread')?.value).toBeGreaterThan(0);
    const volume = await fx.stack.metrics.read(MODEL_ID, 'prediction_volume', since);
    expect(volume.reduce((a, p) => a + p.value, 0)).toBe(3000);
    expect(volume.map((p) => p.labels.market_condition).sort()).toEqual(['expansion', 'late-cycle']);
    expect((await fx.stack.metrics.read(MODEL_ID, 'r2_on_actuals', since))[0].value).toBeGreaterThan(0.65);
  });

  it('does not judge drift on a window smaller than the policy minimum', async () => {
    fx = await monitorFixture({ drift: { windowSize: 3000, minWindow: 5000 } });
    await fx.stack.predictionLog.record(servingRecords({ seed: 2, regimeShift: true }));
    expect(await measure(fx.stack.deps, await model(fx))).toEqual([]);
  });

  it('routes a drift finding through the alert path (retrain requested) and confirms an external drift alert with the statistics', async () => {
    fx = await monitorFixture(POLICY);
    await fx.stack.predictionLog.record(servingRecords({ seed: 2, regimeShift: true }));
    const result = await runScheduledCheck(fx.stack.deps, identity('tick-1'), MODEL_ID);
    expect(result.outcome.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ signal: 'drift', kind: 'request-retrain' })]),
    );
    const alerts = await fx.stack.store.query<AlertDoc>(COLLECTIONS.alerts);
    const drift = alerts.find((a) => a.data.signal === 'drift');
    expect(drift?.data.action).toBe('retrain requested');
    expect(drift?.data.evidence).toMatchObject({ nDrifted: 2, driftShare: 0.3 });
    const confirmation = await confirmExternalAlert(fx.stack.deps, MODEL_ID, 'drift');
    expect(confirmation?.confirmed).toBe(true);
    expect(JSON.stringify(confirmation?.evidence)).toMatch(/market_cap/);
  });

  it('a repeated finding updates the open alert of its signal; a clean check closes it', async () => {
    let now = NOW;
    fx = await monitorFixture(POLICY, () => now);
    await fx.stack.predictionLog.record(servingRecords({ seed: 2, regimeShift: true }));
    await runScheduledCheck(fx.stack.deps, identity('tick-1'), MODEL_ID);
    now = new Date(NOW.getTime() + 5 * 60_000);
    await runScheduledCheck(fx.stack.deps, identity('tick-2'), MODEL_ID);
    const driftAlerts = async () =>
      (await fx!.stack.store.query<AlertDoc>(COLLECTIONS.alerts))
        .map((a) => a.data)
        .filter((a) => a.signal === 'drift');
    expect(await driftAlerts()).toEqual([expect.objectContaining({ state: 'open', occurrences: 2 })]);
    // Fresh traffic from the training distribution fills the window: the drift is gone.
    now = new Date(NOW.getTime() + 3 * 3_600_000);
    await fx.stack.predictionLog.record(
      servingRecords({ seed: 2 }, undefined, now).map((r) => ({ ...r, requestId: `clean-${r.requestId}` })),
    );
    const result = await runScheduledCheck(fx.stack.deps, identity('tick-3'), MODEL_ID);
    expect(result.outcome.findings).toEqual(
      expect.arrayContaining([expect.objectContaining({ signal: 'drift', kind: 'resolve' })]),
    );
    expect(await driftAlerts()).toEqual([
      expect.objectContaining({
        state: 'closed',
        occurrences: 3,
        closeReason: 'no drift found by the scheduled check',
      }),
    ]);
    expect(Object.keys((await model(fx)).openAlerts ?? {})).not.toContain('monitor:drift:any');
  });

  it('does not confirm an external drift alert when the statistics see none', async () => {
    fx = await monitorFixture(POLICY);
    await fx.stack.predictionLog.record(servingRecords({ seed: 2 }));
    expect((await confirmExternalAlert(fx.stack.deps, MODEL_ID, 'drift'))?.confirmed).toBe(false);
  });
});
