/** Waiting for outcomes and describing them; the pure helpers of policy set and dlq replay. */
import { describe, expect, it } from 'vitest';
import type { Outcome, Sent } from '../../shared/cli/operator-client.js';
import { describeOutcome, settle, waitForOutcome } from '../../shared/cli/outcome.js';
import { flattenPolicy, parseValue, policyPatch } from '../../shared/cli/policy.commands.js';
import { replaySelector } from '../../shared/cli/dlq.commands.js';

const sent = {
  messageId: '1',
  topic: 'promotions',
  idempotencyKey: 'k',
  correlationId: 'k',
  dedupeKey: 'k',
  payload: {},
} as Sent;

function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return { sleeps, clock: { now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)) } };
}

describe('waitForOutcome', () => {
  it('polls with a growing interval until the outcome is recorded', async () => {
    const { clock, sleeps } = fakeClock();
    let reads = 0;
    const recorded: Outcome = {
      status: 'applied',
      outcome: { kind: 'canary', version: '1.2.0' },
      handler: 'on-promotion',
    };
    const settled = await waitForOutcome(async () => (++reads < 5 ? undefined : recorded), sent, 30_000, clock);
    expect(settled).toEqual({ kind: 'done', recorded });
    expect(sleeps).toEqual([100, 200, 400, 800]);
  });

  it('times out at the deadline, never sleeping past it', async () => {
    const { clock, sleeps } = fakeClock();
    expect(await waitForOutcome(async () => undefined, sent, 2500, clock)).toEqual({ kind: 'timeout' });
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(2500);
    expect(Math.max(...sleeps)).toBe(1000);
  });

  it('classifies refusals and outcomes that did not do what was asked', () => {
    expect(settle({ status: 'rejected', outcome: { kind: 'rejected', code: 'X' }, handler: 'h' }).kind).toBe('refused');
    expect(settle({ status: 'applied', outcome: { kind: 'skipped', reason: 'cooldown' }, handler: 'h' }).kind).toBe(
      'not-done',
    );
    expect(settle({ status: 'applied', outcome: { kind: 'coalesced', runId: 'r' }, handler: 'h' }).kind).toBe('done');
  });
});

describe('describeOutcome', () => {
  it('says the kind, the reason and the plain fields', () => {
    expect(describeOutcome({ kind: 'canary', version: '1.2.0' })).toBe('canary (version 1.2.0)');
    expect(describeOutcome({ kind: 'skipped', reason: 'no data has landed' })).toBe('skipped: no data has landed');
    expect(
      describeOutcome({ kind: 'set-traffic', version: null, split: { '1.0.0': 90, '1.1.0': 10 }, revision: 3 }),
    ).toBe('set-traffic (split 1.0.0=90 1.1.0=10; revision 3)');
    expect(describeOutcome({ kind: 'policy-updated', modelId: 'm', changed: ['canaryPercent', 'gate.scale'] })).toBe(
      'policy-updated (modelId m; changed canaryPercent, gate.scale)',
    );
    expect(describeOutcome({ kind: 'rejected', code: 'PROMOTION.UNKNOWN_MODEL', message: 'no model' })).toBe(
      'rejected: no model [PROMOTION.UNKNOWN_MODEL]',
    );
  });
});

describe('policy set arguments', () => {
  it('builds a nested patch; values are JSON when they parse, else text', () => {
    expect(
      policyPatch([
        'canaryPercent=20',
        'gate.scale=log',
        'gate.mustBeatBaseline=false',
        'approvers=["a@x","b@y"]',
        'retrain.cooldownMinutes=null',
      ]),
    ).toEqual({
      canaryPercent: 20,
      gate: { scale: 'log', mustBeatBaseline: false },
      approvers: ['a@x', 'b@y'],
      retrain: { cooldownMinutes: null },
    });
    expect(policyPatch(['gate.scale=log'], { canaryPercent: 5 })).toEqual({ canaryPercent: 5, gate: { scale: 'log' } });
    expect(parseValue('a=b')).toBe('a=b');
  });

  it('lists every malformed pair', () => {
    expect(() => policyPatch(['nope', 'x..y=1', 'gate=1', 'gate.scale=log'])).toThrow(
      /nope: expected PATH=VALUE.*x\.\.y=1: expected PATH=VALUE.*gate\.scale: gate is set to a value by another pair/,
    );
  });

  it('flattens a policy into leaf paths (arrays are leaves)', () => {
    expect(flattenPolicy({ b: 1, a: { y: [1, 2], x: {} } })).toEqual([
      ['a.x', {}],
      ['a.y', [1, 2]],
      ['b', 1],
    ]);
  });
});

describe('dlq replay selector', () => {
  it('needs exactly one of --id, --topic, --all', () => {
    expect(replaySelector({ id: '1, 2,' })).toEqual({ ids: ['1', '2'] });
    expect(replaySelector({ topic: 'promotions' })).toEqual({ topic: 'promotions' });
    expect(replaySelector({ all: true })).toEqual({ all: true });
    expect(() => replaySelector({})).toThrow(/give exactly one/);
    expect(() => replaySelector({ id: '1', all: true })).toThrow(/give exactly one/);
    expect(() => replaySelector({ topic: 'nope' })).toThrow(/--topic: must be one of/);
  });
});
