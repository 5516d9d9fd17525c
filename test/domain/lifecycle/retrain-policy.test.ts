import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../shared/domain/lifecycle/policy.js';
import {
  decideRetrain,
  decideRunFailure,
  isChampionStale,
  type RetrainDecisionInput,
} from '../../../shared/domain/lifecycle/retrain-policy.js';

const NOW = '2025-06-01T12:00:00.000Z';
const policy = defaultPolicy();
// A champion trained recently on recent data; last run finished 3 hours ago (outside the 60 min cooldown).
const champion = {
  championTrainedAt: '2025-05-20T00:00:00.000Z',
  championDataSnapshotAt: '2025-05-19T00:00:00.000Z',
  championRows: 2000,
  lastRunFinishedAt: '2025-06-01T09:00:00.000Z',
  latestDataAt: '2025-05-31T00:00:00.000Z',
};

type Overrides = Partial<Omit<RetrainDecisionInput, 'request'>> & {
  request?: Partial<RetrainDecisionInput['request']>;
};

function decide(over: Overrides = {}) {
  return decideRetrain({
    policy,
    now: NOW,
    model: champion,
    ...over,
    request: { reason: 'new-data', requestedAt: NOW, ...over.request },
  });
}

describe('decideRetrain: minimum new rows', () => {
  it.each([
    ['new-data', 499, 'skip'],
    ['new-data', 500, 'start'],
    ['schedule', 10, 'skip'],
    ['schedule', 800, 'start'],
    ['drift', 0, 'start'],
    ['performance', undefined, 'start'],
    ['manual', 0, 'start'],
  ] as const)('%s with %s new rows -> %s', (reason, newRows, kind) => {
    expect(decide({ request: { reason, newRows } }).kind).toBe(kind);
  });

  it('explains a skip with the counts', () => {
    const d = decide({ request: { newRows: 120 } });
    expect(d).toEqual({
      kind: 'skip',
      reason:
        "120 new rows since the champion's snapshot (champion trained on 2000 rows); need 500, and the champion is not stale",
    });
  });

  it('treats an unknown row count as no new rows', () => {
    expect(decide({ request: { newRows: undefined } }).kind).toBe('skip');
  });

  it('starts the first model whatever the row count', () => {
    expect(decide({ model: {}, request: { newRows: 3 } })).toEqual({
      kind: 'start',
      reasons: ['new-data'],
      note: 'first model: no champion yet',
    });
  });
});

describe('decideRetrain: cooldown', () => {
  const recent = { ...champion, lastRunFinishedAt: '2025-06-01T11:30:00.000Z' };
  it.each([
    ['new-data', 'skip'],
    ['drift', 'skip'],
    ['performance', 'skip'],
    ['manual', 'start'],
  ] as const)('%s 30 min after the last run -> %s', (reason, kind) => {
    expect(decide({ model: recent, request: { reason, newRows: 1000 } }).kind).toBe(kind);
  });

  it('says how long ago the last run finished', () => {
    expect(decide({ model: recent, request: { reason: 'drift' } })).toEqual({
      kind: 'skip',
      reason: 'cooldown: last run finished 30 min ago; drift requests wait 60 min',
    });
  });

  it('allows a run exactly when the cooldown ends', () => {
    expect(
      decide({ model: { ...champion, lastRunFinishedAt: '2025-06-01T11:00:00.000Z' }, request: { reason: 'drift' } })
        .kind,
    ).toBe('start');
  });
});

describe('decideRetrain: freshness', () => {
  const old = {
    ...champion,
    championTrainedAt: '2025-01-10T00:00:00.000Z',
    championDataSnapshotAt: '2025-01-01T00:00:00.000Z',
  };

  it.each([
    ['stale and newer data exists', old, true],
    ['stale but no newer data', { ...old, latestDataAt: old.championDataSnapshotAt }, false],
    ['recent snapshot', champion, false],
    ['no latest-data fact', { ...old, latestDataAt: undefined }, false],
    ['falls back to trainedAt', { ...old, championDataSnapshotAt: undefined }, true],
  ])('%s -> stale=%s', (_name, model, stale) => {
    expect(isChampionStale(model, policy, NOW)).toBe(stale);
  });

  it('starts a freshness request only when the champion is stale', () => {
    expect(decide({ model: old, request: { reason: 'freshness' } })).toMatchObject({
      kind: 'start',
      reasons: ['freshness'],
    });
    expect(decide({ request: { reason: 'freshness' } })).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/120 days/),
    });
  });

  it('lets a stale champion be retrained on fewer than the minimum new rows, adding the freshness reason', () => {
    expect(decide({ model: old, request: { reason: 'new-data', newRows: 10 } })).toMatchObject({
      kind: 'start',
      reasons: ['new-data', 'freshness'],
    });
  });
});

describe('decideRetrain: at most one run in flight', () => {
  it('coalesces into the follow-up of the run in flight, even during cooldown', () => {
    const d = decide({
      model: { ...champion, lastRunFinishedAt: NOW },
      request: { reason: 'drift' },
      inFlightRun: { runId: 'run-1', pendingReasons: [] },
    });
    expect(d).toMatchObject({ kind: 'coalesce', runId: 'run-1', reasons: ['drift'] });
  });

  it('merges reasons without duplicates, in arrival order', () => {
    let pending: ('new-data' | 'drift' | 'manual' | 'performance' | 'schedule' | 'freshness')[] = [];
    for (const reason of ['drift', 'manual', 'drift', 'performance', 'manual'] as const) {
      const d = decide({ request: { reason }, inFlightRun: { runId: 'run-1', pendingReasons: pending } });
      expect(d.kind).toBe('coalesce');
      if (d.kind === 'coalesce') pending = d.reasons;
    }
    expect(pending).toEqual(['drift', 'manual', 'performance']);
  });

  it('still skips an ineligible request rather than queueing it', () => {
    expect(decide({ request: { newRows: 5 }, inFlightRun: { runId: 'run-1', pendingReasons: ['drift'] } }).kind).toBe(
      'skip',
    );
  });
});

describe('decideRetrain: bad time', () => {
  it('names the field', () => {
    expect(() => decide({ now: 'yesterday' })).toThrow(/is not a valid ISO-8601 time: yesterday/);
  });
});

describe('decideRunFailure', () => {
  it.each([
    [1, { kind: 'retry', attempt: 2, delayMinutes: 1, retryAt: '2025-06-01T12:01:00.000Z' }],
    [2, { kind: 'retry', attempt: 3, delayMinutes: 5, retryAt: '2025-06-01T12:05:00.000Z' }],
    [3, { kind: 'give-up', reason: 'failed 3 of 3 allowed attempts' }],
    [7, { kind: 'give-up', reason: 'failed 7 of 3 allowed attempts' }],
  ] as const)('after %i attempt(s)', (attempts, expected) => {
    expect(decideRunFailure({ attempts, policy, now: NOW })).toEqual(expected);
  });

  it('repeats the last backoff when attempts outnumber the list', () => {
    const p = defaultPolicy({ retrain: { maxRunAttempts: 6, retryBackoffMinutes: [2, 10] } });
    expect(
      [1, 2, 3, 4, 5].map((attempts) => decideRunFailure({ attempts, policy: p, now: new Date(NOW) })),
    ).toMatchObject([2, 10, 10, 10, 10].map((delayMinutes) => ({ kind: 'retry', delayMinutes })));
  });
});
