/**
 * End to end on the embedded stack with real training: the demo scenario (first model; new quarter ->
 * canary -> its experiment decides the promotion; regime shift -> drift alert -> retrain; a candidate
 * failing the gate; an operator rollback), asserting each step and the lifecycle events it must leave behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QUICK } from '../../shared/platform/demo-data.js';
import { runDemoScenario, type DemoResult } from '../../shared/platform/demo-scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'ipo-demo-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo scenario (embedded stack, real training)', () => {
  let result: DemoResult;

  it('runs every step', async () => {
    result = await runDemoScenario(dir, QUICK, () => undefined);
    expect(result.steps.map((s) => [s.name, s.ok, s.ok ? '' : s.detail])).toEqual(
      result.steps.map((s) => [s.name, true, '']),
    );
    expect(result.steps).toHaveLength(6);
    expect(result.ok).toBe(true);
  }, 900_000);

  it('leaves the expected lifecycle trail and final state', () => {
    const actions = result.timeline.map((e) => e.action);
    for (const expected of [
      'run.requested',
      'version.blessed',
      'version.promoted',
      'version.canary',
      'experiment.started',
      'experiment.concluded',
      'alert.opened',
      'version.rejected',
      'version.rolled-back',
    ]) {
      expect(actions).toContain(expected);
    }
    // 1.1.0 was promoted by its experiment (signed automation), not by an operator, and only after the experiment concluded.
    const promotion = result.timeline.find((e) => e.action === 'version.promoted' && e.subject === 'version 1.1.0');
    expect(promotion).toMatchObject({
      actor: 'automation',
      reason: expect.stringMatching(/^experiment ipo-valuation@1\.1\.0 promote/) as string,
    });
    expect(actions.indexOf('experiment.concluded')).toBeLessThan(
      result.timeline.indexOf(promotion as (typeof result.timeline)[number]),
    );
    // No command was refused along the way (a spoofed or stale automation command would show here).
    expect(actions).not.toContain('message.rejected');
    // The first promotion precedes the first canary, which precedes the drift alert.
    expect(actions.indexOf('version.promoted')).toBeLessThan(actions.indexOf('version.canary'));
    expect(actions.indexOf('version.canary')).toBeLessThan(actions.indexOf('alert.opened'));
    // The drift retrain trains on the same data into the same model: no new version, nothing deployed
    // again (run.identical). So no canary is live when the operator rolls back: the champion 1.1.0 is
    // rolled back and 1.0.0, the last known-good version, serves again.
    expect(actions).toContain('run.identical');
    expect(result.final.production).toBe('1.0.0');
    expect(result.final.split).toEqual({ '1.0.0': 100 });
    const states = Object.fromEntries(result.final.versions.map((v) => [v.version, v.state]));
    expect(states).toMatchObject({ '1.0.0': 'production', '1.1.0': 'rolled_back' });
    expect(Object.values(states)).toContain('rejected');
    // Traffic always sums to 100.
    expect(Object.values(result.final.split).reduce((a, b) => a + b, 0)).toBe(100);
  });
});
