import { afterEach, expect, it } from 'vitest';
import { onDriftAlert } from '../../functions/on-drift-alert/index.js';
import { COLLECTIONS, type AlertDoc } from '../../shared/domain/state.js';
import { MODEL_ID, NOW, monitorFixture, servingRecords, type MonitorFixture } from './monitor-fixture.js';

let fx: MonitorFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

it('monitor-triggered retrain on the embedded stack: scheduled check -> drift finding -> alert -> retrain-requests', async () => {
  fx = await monitorFixture({ drift: { windowSize: 3000 } });
  const { bus, deps, predictionLog, store } = fx.stack;
  await predictionLog.record(servingRecords({ seed: 3, regimeShift: true }));
  const retrains: unknown[] = [];
  bus.subscribe('drift-alerts', 'on-drift-alert--drift-alerts', (event) => onDriftAlert(async () => deps)(event));
  bus.subscribe('retrain-requests', 'test-retrain-capture', async (event) => {
    retrains.push(JSON.parse(Buffer.from(event.data.message.data, 'base64').toString('utf8')));
  });
  const tick = { type: 'monitor.scheduled-check', modelId: MODEL_ID, scheduledTime: NOW.toISOString() };
  await bus.publish({ topic: 'drift-alerts', data: tick, attributes: { idempotencyKey: 'tick-2024-06-01T12' } });
  // A Scheduler retry of the same tick must not request a second retrain.
  await bus.publish({ topic: 'drift-alerts', data: tick, attributes: { idempotencyKey: 'tick-2024-06-01T12' } });
  await bus.whenIdle();
  // Concurrent redelivery may re-publish the outbox (at-least-once); the command key is what makes it one retrain.
  expect(new Set(retrains.map((r) => (r as { idempotencyKey: string }).idempotencyKey)).size).toBe(1);
  expect(retrains[0]).toMatchObject({
    type: 'retrain.requested',
    modelId: MODEL_ID,
    reason: 'drift',
    requestedBy: 'on-drift-alert',
  });
  expect(JSON.stringify(retrains[0])).toMatch(/market_cap/);
  const alerts = await store.query<AlertDoc>(COLLECTIONS.alerts);
  expect(alerts.map((a) => [a.data.signal, a.data.source, a.data.action])).toEqual([
    ['drift', 'monitor', 'retrain requested'],
  ]);
});
