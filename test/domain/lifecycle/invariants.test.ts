import { describe, expect, it } from 'vitest';
import {
  LIFECYCLE_INVARIANTS,
  lifecycleViolations,
  newViolations,
  type LifecycleSnapshot,
} from '../../../shared/domain/lifecycle/invariants.js';

const healthy: LifecycleSnapshot = {
  championVersion: '1.0.0',
  versions: [
    { version: '1.0.0', state: 'production' },
    { version: '1.1.0', state: 'canary' },
    { version: '0.9.0', state: 'retired' },
  ],
  split: { '1.0.0': 90, '1.1.0': 10 },
  experiments: [
    { experimentId: 'm@1.1.0', candidate: '1.1.0', status: 'running' },
    { experimentId: 'm@0.9.0', candidate: '0.9.0', status: 'aborted' },
  ],
};
const names = (s: LifecycleSnapshot): string[] => lifecycleViolations(s).map((v) => `${v.invariant} ${v.subject}`);

describe('lifecycleViolations', () => {
  it('accepts a consistent lifecycle, and an empty one', () => {
    expect(lifecycleViolations(healthy)).toEqual([]);
    expect(lifecycleViolations({ versions: [{ version: '1.0.0', state: 'blessed' }], split: {} })).toEqual([]);
  });

  it.each<[string, Partial<LifecycleSnapshot>, string[]]>([
    [
      'the reported corruption: a retired champion serving 100%',
      {
        versions: [
          { version: '1.0.0', state: 'retired' },
          { version: '1.1.0', state: 'rolled_back' },
        ],
        split: { '1.0.0': 100 },
        experiments: [],
      },
      ['only-live-versions-serve 1.0.0', 'champion-is-production 1.0.0'],
    ],
    [
      'an orphan 0% canary',
      {
        versions: [
          { version: '1.0.0', state: 'retired' },
          { version: '1.1.0', state: 'canary' },
          { version: '1.2.0', state: 'production' },
        ],
        championVersion: '1.2.0',
        split: { '1.2.0': 100 },
        experiments: [],
      },
      ['live-versions-serve 1.1.0'],
    ],
    ['a split not summing to 100', { split: { '1.0.0': 80, '1.1.0': 10 } }, ['split-sums-to-100 split']],
    [
      'a fractional or zero share',
      { split: { '1.0.0': 90.5, '1.1.0': 9.5 } },
      ['split-sums-to-100 1.0.0', 'split-sums-to-100 1.1.0'],
    ],
    [
      'a champion with no traffic at all',
      { split: {} },
      ['split-sums-to-100 split', 'live-versions-serve 1.0.0', 'live-versions-serve 1.1.0'],
    ],
    [
      'two production versions',
      {
        versions: [
          { version: '1.0.0', state: 'production' },
          { version: '1.1.0', state: 'production' },
        ],
        experiments: [],
      },
      ['champion-is-production 1.1.0'],
    ],
    [
      'two canaries',
      {
        versions: [
          { version: '1.0.0', state: 'production' },
          { version: '1.1.0', state: 'canary' },
          { version: '1.2.0', state: 'canary' },
        ],
        split: { '1.0.0': 80, '1.1.0': 10, '1.2.0': 10 },
      },
      ['one-canary-beside-champion 1.1.0,1.2.0'],
    ],
    [
      'a canary without a champion',
      {
        championVersion: undefined,
        versions: [{ version: '1.1.0', state: 'canary' }],
        split: { '1.1.0': 100 },
        experiments: [],
      },
      ['one-canary-beside-champion 1.1.0'],
    ],
    [
      'a stale running experiment',
      { experiments: [{ experimentId: 'm@0.9.0', candidate: '0.9.0', status: 'running' }] },
      ['experiment-follows-canary m@0.9.0'],
    ],
  ])('reports %s', (_name, change, expected) => {
    expect(names({ ...healthy, ...change })).toEqual(expected);
  });

  it('names every invariant it checks', () => {
    expect(LIFECYCLE_INVARIANTS).toHaveLength(6);
  });
});

describe('newViolations', () => {
  it('keeps only what the change introduced', () => {
    const before = lifecycleViolations({ ...healthy, split: { '1.0.0': 100 } });
    const after = lifecycleViolations({
      ...healthy,
      split: { '1.0.0': 100 },
      experiments: [{ experimentId: 'x', candidate: '2.0.0', status: 'running' }],
    });
    expect(newViolations(before, after).map((v) => v.invariant)).toEqual(['experiment-follows-canary']);
    expect(newViolations(after, before)).toEqual([]);
  });
});
