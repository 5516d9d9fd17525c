import { describe, expect, it } from 'vitest';
import {
  decideAlert,
  type AlertDecision,
  type AlertDecisionInput,
  type AlertFacts,
  type RecentAlert,
} from '../../../shared/domain/lifecycle/alert-debounce.js';
import { defaultPolicy } from '../../../shared/domain/lifecycle/policy.js';
import { addMinutes } from '../../../shared/domain/lifecycle/time.js';

const T0 = '2025-06-01T12:00:00.000Z';
const policy = defaultPolicy();
const alert = (over: Partial<AlertFacts> = {}): AlertFacts => ({
  key: 'inc-1',
  state: 'open',
  signal: 'drift',
  modelId: 'ipo',
  at: T0,
  ...over,
});

function decide(over: Partial<AlertDecisionInput> = {}): AlertDecision {
  return decideAlert({ alert: alert(), recentAlerts: [], policy, now: T0, ...over });
}

describe('decideAlert', () => {
  it.each([
    ['drift', 'drift'],
    ['skew', 'drift'],
    ['performance', 'performance'],
    ['freshness', 'freshness'],
  ] as const)('an open %s alert requests a %s retrain', (signal, reason) => {
    expect(decide({ alert: alert({ signal }) })).toEqual({ kind: 'request-retrain', reason });
  });

  it('resolves a closed incident, even with a live canary', () => {
    expect(decide({ alert: alert({ state: 'closed' }), liveCanary: { version: '1.1.0' } })).toEqual({
      kind: 'resolve',
    });
  });

  it.each([
    ['names no version', undefined, { kind: 'request-retrain', reason: 'drift' }],
    ['names the canary', '1.1.0', { kind: 'rollback-canary', version: '1.1.0' }],
    ['names the champion', '1.0.0', { kind: 'request-retrain', reason: 'drift' }],
  ] as const)('with a live canary, an alert that %s -> %j', (_name, version, expected) => {
    expect(decide({ alert: alert({ version }), liveCanary: { version: '1.1.0' } })).toEqual(expected);
  });

  it('rolls a live canary back for an unversioned performance alert (the served errors)', () => {
    expect(decide({ alert: alert({ signal: 'performance' }), liveCanary: { version: '1.1.0' } })).toEqual({
      kind: 'rollback-canary',
      version: '1.1.0',
    });
  });

  it('does not roll a canary back for a freshness alert (it is about the data, not the model)', () => {
    expect(decide({ alert: alert({ signal: 'freshness' }), liveCanary: { version: '1.1.0' } })).toEqual({
      kind: 'request-retrain',
      reason: 'freshness',
    });
  });

  it.each([
    ['retrain 10 min ago', [{ modelId: 'ipo', action: 'request-retrain', at: addMinutes(T0, -10) }], 'debounced'],
    ['retrain 29 min ago', [{ modelId: 'ipo', action: 'request-retrain', at: addMinutes(T0, -29) }], 'debounced'],
    [
      'retrain exactly 30 min ago',
      [{ modelId: 'ipo', action: 'request-retrain', at: addMinutes(T0, -30) }],
      'request-retrain',
    ],
    [
      'retrain recorded just after now (out of order)',
      [{ modelId: 'ipo', action: 'request-retrain', at: addMinutes(T0, 2) }],
      'debounced',
    ],
    [
      'retrain for another model',
      [{ modelId: 'other', action: 'request-retrain', at: addMinutes(T0, -5) }],
      'request-retrain',
    ],
    [
      'only a debounced alert recently',
      [{ modelId: 'ipo', action: 'debounced', at: addMinutes(T0, -5) }],
      'request-retrain',
    ],
    ['only a resolve recently', [{ modelId: 'ipo', action: 'resolve', at: addMinutes(T0, -5) }], 'request-retrain'],
  ] as const)('%s -> %s', (_name, recentAlerts, kind) => {
    expect(decide({ recentAlerts }).kind).toBe(kind);
  });

  it('explains a debounce', () => {
    const d = decide({ recentAlerts: [{ modelId: 'ipo', action: 'request-retrain', at: addMinutes(T0, -12) }] });
    expect(d).toEqual({
      kind: 'debounced',
      reason: 'a retrain was requested for ipo 12 min ago (debounce window 30 min)',
    });
  });

  it('does not storm when an incident opens, closes and reopens', () => {
    const recorded: RecentAlert[] = [];
    const kinds: string[] = [];
    const events: [number, 'open' | 'closed'][] = [
      [0, 'open'],
      [3, 'closed'],
      [5, 'open'],
      [9, 'closed'],
      [12, 'open'],
      [20, 'open'],
    ];
    for (const [minute, state] of events) {
      const now = addMinutes(T0, minute);
      const d = decideAlert({
        alert: alert({ state, at: now, key: `inc-1#${state}` }),
        recentAlerts: recorded,
        policy,
        now,
      });
      kinds.push(d.kind);
      recorded.push({ modelId: 'ipo', action: d.kind, at: now });
    }
    expect(kinds).toEqual(['request-retrain', 'resolve', 'debounced', 'resolve', 'debounced', 'debounced']);
    expect(kinds.filter((k) => k === 'request-retrain')).toHaveLength(1);
    // After the window, a new open alert may request again.
    const later = addMinutes(T0, 31);
    expect(decideAlert({ alert: alert({ at: later }), recentAlerts: recorded, policy, now: later }).kind).toBe(
      'request-retrain',
    );
  });

  it('follows the policy window', () => {
    const p = defaultPolicy({ alertDebounceMinutes: 120 });
    const d = decideAlert({
      alert: alert(),
      recentAlerts: [{ modelId: 'ipo', action: 'request-retrain', at: addMinutes(T0, -90) }],
      policy: p,
      now: T0,
    });
    expect(d.kind).toBe('debounced');
  });
});
