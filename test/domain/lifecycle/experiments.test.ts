import { describe, expect, it } from 'vitest';
import {
  abortExperiment,
  experimentDocSchema,
  judgeExperiment,
  newExperiment,
} from '../../../shared/domain/lifecycle/experiments.js';
import { defaultPolicy } from '../../../shared/domain/lifecycle/policy.js';
import type { ExperimentDecision, ExperimentEvidence } from '../../../shared/domain/stats/experiment-decision.js';

const arm = (count: number) =>
  ({ count, mae: 1, rmse: 1, mape: 10, correlation: 0.9 }) as unknown as ExperimentEvidence['control'];
const evidence = (control: number, candidate: number, min = 30): ExperimentEvidence => ({
  control: arm(control),
  candidate: arm(candidate),
  alpha: 0.05,
  minSamplesPerArm: min,
  breachedGuardrails: [],
});
const inconclusive = (next: 'extend' | 'stop', control: number, candidate: number, min = 30): ExperimentDecision => ({
  kind: 'inconclusive',
  next,
  reasons: ['no difference'],
  evidence: evidence(control, candidate, min),
});

describe('newExperiment / abortExperiment', () => {
  it('opens a running experiment configured from the policy, and aborts it with a cause', () => {
    const exp = newExperiment({
      modelId: 'm',
      control: '1.0.0',
      candidate: '1.1.0',
      startedAt: '2024-06-01T00:00:00.000Z',
      policy: defaultPolicy({ experiment: { maxDurationHours: 24 } }),
    });
    expect(experimentDocSchema.parse(exp)).toMatchObject({
      experimentId: 'm@1.1.0',
      status: 'running',
      deadline: '2024-06-02T00:00:00.000Z',
      minSamplesPerArm: 30,
    });
    expect(abortExperiment(exp, 'superseded', 'superseded by canary 1.2.0', '2024-06-01T01:00:00.000Z')).toMatchObject({
      status: 'aborted',
      abortCause: 'superseded',
      reasons: ['superseded by canary 1.2.0'],
    });
  });

  it("reads a stored experiment without its config (today's defaults apply), but names a missing required field", () => {
    const { config: _config, ...stored } = newExperiment({
      modelId: 'm',
      control: '1.0.0',
      candidate: '1.1.0',
      startedAt: '2024-06-01T00:00:00.000Z',
      policy: defaultPolicy(),
    });
    expect(experimentDocSchema.parse(stored).config).toEqual({});
    const { deadline: _deadline, ...broken } = stored;
    expect(experimentDocSchema.safeParse(broken).error?.issues.map((i) => i.path.join('.'))).toEqual(['deadline']);
  });
});

describe('judgeExperiment', () => {
  const base = { deadlineReached: false, minSamplesPerArm: 30, control: 40, candidate: 40 };

  it('waits while an arm has no labelled prediction, and at the deadline holds the canary for a human instead of rolling it back', () => {
    expect(judgeExperiment({ ...base, decision: undefined, control: 0 })).toEqual({
      kind: 'wait',
      reasons: ['control has 0 and candidate 40 labelled predictions'],
    });
    const held = judgeExperiment({ ...base, decision: undefined, control: 0, candidate: 0, deadlineReached: true });
    expect(held).toMatchObject({ kind: 'conclude', outcome: 'inconclusive', action: 'hold' });
  });

  it('holds at the deadline when the arms stayed below the minimum sample', () => {
    expect(
      judgeExperiment({
        ...base,
        deadlineReached: true,
        control: 12,
        candidate: 3,
        decision: inconclusive('stop', 12, 3),
      }),
    ).toMatchObject({ kind: 'conclude', outcome: 'inconclusive', action: 'hold' });
  });

  it('keeps the control (rollback) when enough data shows no difference at the deadline', () => {
    expect(judgeExperiment({ ...base, deadlineReached: true, decision: inconclusive('stop', 40, 40) })).toMatchObject({
      kind: 'conclude',
      outcome: 'inconclusive',
      action: 'rollback',
    });
  });

  it('extends at the current minimum, and waits below it', () => {
    expect(judgeExperiment({ ...base, decision: inconclusive('extend', 40, 40) }).kind).toBe('extend');
    expect(judgeExperiment({ ...base, control: 20, decision: inconclusive('extend', 20, 40) }).kind).toBe('wait');
  });

  it('concludes promote and rollback as they are', () => {
    for (const kind of ['promote', 'rollback'] as const) {
      expect(
        judgeExperiment({ ...base, decision: { kind, reasons: ['r'], evidence: evidence(40, 40) } }),
      ).toMatchObject({ kind: 'conclude', outcome: kind, action: kind });
    }
  });
});
