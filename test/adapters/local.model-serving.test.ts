import { describe, expect, it } from 'vitest';
import { LocalModelServing, pickVersion, type Predictor } from '../../shared/adapters/local/local.model-serving.js';
import { ValidationError } from '../../shared/domain/errors.js';
import type { DesiredDeployment } from '../../shared/ports/model-serving.js';

/** A predictor that answers a constant per artifact, recording loads and closes. */
function fakeLoader(failOn: string[] = []) {
  const loads: string[] = [];
  const closed: string[] = [];
  const loadPredictor = async (uri: string): Promise<Predictor> => {
    loads.push(uri);
    if (failOn.includes(uri)) throw new Error(`cannot load ${uri}`);
    const value = Number(uri.split('/').pop());
    return {
      predict: async (rows) => rows.map(() => value),
      close: async () => {
        closed.push(uri);
      },
    };
  };
  return { loads, closed, loadPredictor };
}

const desired = (split: Record<string, number>, artifacts: Record<string, string> = {}): DesiredDeployment => ({
  endpointId: 'ep',
  modelId: 'ipo',
  split,
  artifacts: { '1.0.0': 'file:///runs/1', '1.1.0': 'file:///runs/2', '2.0.0': 'file:///runs/3', ...artifacts },
});

describe('LocalModelServing', () => {
  it('loads versions with traffic, serves them and is idempotent', async () => {
    const loader = fakeLoader();
    const serving = new LocalModelServing(loader);
    expect(await serving.apply(desired({ '1.0.0': 100 }))).toEqual({ changed: true });
    expect(await serving.apply(desired({ '1.0.0': 100, '1.1.0': 0 }))).toEqual({ changed: false });
    expect(loader.loads).toEqual(['file:///runs/1']);
    expect(await serving.currentSplit('ep')).toEqual({ '1.0.0': 100 });
    expect(await serving.predict('ep', [{ a: 1 }, { a: 2 }], 'req-1')).toEqual({
      predictions: [1, 1],
      deployedModelId: '1.0.0',
    });
  });

  it('keeps loaded versions across a split change and unloads versions that lose all traffic', async () => {
    const loader = fakeLoader();
    const serving = new LocalModelServing(loader);
    await serving.apply(desired({ '1.0.0': 100 }));
    await serving.apply(desired({ '1.0.0': 90, '1.1.0': 10 }));
    expect(loader.loads).toEqual(['file:///runs/1', 'file:///runs/2']);
    await serving.apply(desired({ '1.1.0': 100 }));
    expect(loader.closed).toEqual(['file:///runs/1']);
    expect(await serving.currentSplit('ep')).toEqual({ '1.1.0': 100 });
  });

  it('compensates a failed load: closes what it loaded, keeps the previous split serving, rethrows', async () => {
    const loader = fakeLoader(['file:///runs/3']);
    const serving = new LocalModelServing(loader);
    await serving.apply(desired({ '1.0.0': 100 }));
    await expect(serving.apply(desired({ '1.0.0': 80, '1.1.0': 10, '2.0.0': 10 }))).rejects.toThrow(
      /cannot load file:\/\/\/runs\/3/,
    );
    expect(loader.closed).toEqual(['file:///runs/2']);
    expect(await serving.currentSplit('ep')).toEqual({ '1.0.0': 100 });
    expect((await serving.predict('ep', [{}], 'x')).deployedModelId).toBe('1.0.0');
  });

  it('rejects an invalid deployment with every problem', async () => {
    const serving = new LocalModelServing(fakeLoader());
    const err = await serving
      .apply({ endpointId: 'ep', modelId: 'ipo', split: { a: 70, b: -5, c: 20 }, artifacts: { a: 'u' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['split.b', 'artifacts.c', 'split']);
  });

  it('fails clearly when nothing is deployed, and routes per endpoint', async () => {
    const serving = new LocalModelServing(fakeLoader());
    await expect(serving.predict('ep', [{}], 'r')).rejects.toMatchObject({ code: 'SERVING.NO_DEPLOYMENT' });
    await serving.apply(desired({ '1.0.0': 100 }));
    expect(serving.route('ep', 'r')).toBe('1.0.0');
    expect(serving.route('other', 'r')).toBeUndefined();
    await serving.apply(desired({}));
    expect(serving.route('ep', 'r')).toBeUndefined();
  });
});

describe('pickVersion', () => {
  it('is deterministic and splits sequential request ids in proportion', () => {
    const split = { '1.0.0': 70, '1.1.0': 20, '2.0.0': 10 };
    const counts: Record<string, number> = {};
    const n = 20_000;
    for (let i = 0; i < n; i += 1) {
      const v = pickVersion(split, `req-${i}`) as string;
      counts[v] = (counts[v] ?? 0) + 1;
    }
    // Binomial standard deviation at n = 20,000 is at most 0.35 points; allow about 4 of them.
    expect(counts['1.0.0'] / n).toBeCloseTo(0.7, 1);
    for (const [v, pct] of Object.entries(split)) expect(Math.abs(counts[v] / n - pct / 100)).toBeLessThan(0.015);
    expect(pickVersion(split, 'req-42')).toBe(pickVersion({ '2.0.0': 10, '1.1.0': 20, '1.0.0': 70 }, 'req-42'));
    expect(pickVersion({}, 'x')).toBeUndefined();
  });
});
