import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  dataUriSchema,
  isoDatetimeSchema,
  modelIdSchema,
  semverSchema,
  zodIssues,
} from '../../../shared/domain/contracts/index.js';

describe('zodIssues', () => {
  const schema = z.strictObject({ a: z.string(), b: z.object({ c: z.number() }), kind: z.enum(['x', 'y']) });

  it('converts every issue to a dotted path, optionally prefixed', () => {
    const r = schema.safeParse({ b: { c: 'no' }, extra: 1, more: 2 }, { reportInput: true });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(zodIssues(r.error)).toEqual([
      { path: 'a', message: 'required (expected string)' },
      { path: 'b.c', message: expect.stringContaining('expected number') },
      { path: 'kind', message: 'required (expected "x" | "y")' },
      { path: 'extra', message: 'unknown field' },
      { path: 'more', message: 'unknown field' },
    ]);
    expect(zodIssues(r.error, 'message.data').map((i) => i.path)).toEqual([
      'message.data.a',
      'message.data.b.c',
      'message.data.kind',
      'message.data.extra',
      'message.data.more',
    ]);
  });

  it('recognises a missing value without reportInput too', () => {
    const r = z.object({ a: z.string() }).safeParse({});
    expect(r.success ? [] : zodIssues(r.error)).toEqual([{ path: 'a', message: 'required (expected string)' }]);
  });
});

describe('field schemas', () => {
  it.each([
    [modelIdSchema, ['ipo-valuation', 'm1'], ['IPO', 'a', '1abc', 'a_b', `a${'b'.repeat(63)}`]],
    [semverSchema, ['1.0.0', '10.20.30'], ['1.0', 'v1.0.0', '1.0.0-rc1', '']],
    [
      isoDatetimeSchema,
      ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.123+02:00', '2022-02-03T19:59:52.121398388Z'],
      ['2024-01-01', 'yesterday', '2024-13-01T00:00:00Z'],
    ],
    [
      dataUriSchema,
      ['gs://ipo-data/a.csv', 'gs://ipo-data', 'file:///tmp/a.csv'],
      ['s3://x/y', 'gs://', '/tmp/a.csv', 'gs://UP/a'],
    ],
  ] as const)('%#: accepts valid and rejects invalid values', (schema, good, bad) => {
    for (const v of good) expect(schema.safeParse(v).success, v).toBe(true);
    for (const v of bad) expect(schema.safeParse(v).success, v).toBe(false);
  });
});
