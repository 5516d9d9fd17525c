/** Promotion commands: per-action required fields and the traffic split rule. */
import { describe, expect, it } from 'vitest';
import { decodeTopicMessage } from '../../../shared/domain/envelopes/index.js';
import { issuePaths, issuesOf } from './issues.js';
import { inbound } from './message.js';

const cmd = (fields: Record<string, unknown>) => ({ type: 'promotion.command', actor: 'alice', ...fields });
const decode = (fields: Record<string, unknown>) => decodeTopicMessage(inbound('promotions', cmd(fields)));

describe('promotions contract', () => {
  it.each([
    [{ action: 'approve', version: '1.2.0' }],
    [{ action: 'reject', version: '1.2.0', reason: 'bias on small caps' }],
    [{ action: 'canary', version: '1.2.0' }],
    [{ action: 'canary', version: '1.2.0', percent: 10 }],
    [{ action: 'promote', version: '1.2.0' }],
    [{ action: 'rollback', reason: 'MAPE regression' }],
    [{ action: 'rollback', version: '1.2.0', reason: 'MAPE regression' }],
    [{ action: 'set-traffic', traffic: { '1.1.0': 90, '1.2.0': 10 } }],
    [{ action: 'retire', version: '1.0.0' }],
  ])('accepts %j', (fields) => {
    expect(decode(fields).payload).toMatchObject({ ...fields, modelId: 'ipo-valuation', actor: 'alice' });
  });

  it.each([
    [{ action: 'approve' }, ['version']],
    [{ action: 'reject', version: '1.2' }, ['reason', 'version']],
    [{ action: 'canary', version: '1.2.0', percent: 100 }, ['percent']],
    [{ action: 'canary', version: '1.2.0', percent: 0.5 }, ['percent']],
    [{ action: 'rollback' }, ['reason']],
    [{ action: 'set-traffic', traffic: { latest: 100 } }, ['traffic.latest']],
    [{ action: 'set-traffic', traffic: { '1.0.0': 101 } }, ['traffic.1.0.0', 'traffic']],
    [{ action: 'explode', version: '1.0.0' }, ['action']],
    [{ version: '1.0.0' }, ['action']],
  ])('rejects %j at %j', (fields, paths) => {
    expect(issuePaths(() => decode(fields)).sort()).toEqual([...paths].sort());
  });

  it('a split that does not sum to 100 is reported at traffic with the sum', () => {
    expect(issuesOf(() => decode({ action: 'set-traffic', traffic: { '1.1.0': 50, '1.2.0': 40 } }))).toEqual([
      { path: 'traffic', message: 'percentages must sum to 100 (got 90)' },
    ]);
    expect(issuePaths(() => decode({ action: 'set-traffic', traffic: {} }))).toEqual(['traffic']);
  });

  it('reports the split rule together with problems in other fields', () => {
    expect(
      issuePaths(() =>
        decodeTopicMessage(
          inbound('promotions', {
            type: 'promotion.command',
            action: 'set-traffic',
            actor: '',
            modelId: 'X',
            traffic: { '1.0.0': 1 },
          }),
        ),
      ).sort(),
    ).toEqual(['actor', 'modelId', 'traffic']);
  });

  describe('policy.update', () => {
    const update = (fields: Record<string, unknown>) =>
      decodeTopicMessage(inbound('promotions', { type: 'policy.update', actor: 'alice', ...fields }));

    it('keeps the patch as sent (no defaults filled in), with its keys', () => {
      const decoded = update({ policy: { gate: { scale: 'log' }, canaryPercent: null }, reason: 'log-target model' });
      expect(decoded.payload).toMatchObject({
        type: 'policy.update',
        modelId: 'ipo-valuation',
        actor: 'alice',
        policy: { gate: { scale: 'log' }, canaryPercent: null },
      });
      expect(Object.keys((decoded.payload as { policy: object }).policy)).toEqual(['gate', 'canaryPercent']);
      expect(decoded.dedupeKey).toBe(decoded.idempotencyKey);
    });

    it.each([
      [{ policy: {} }, ['policy']],
      [{ policy: { gate: { scale: 'sqrt' } } }, ['policy.gate.scale']],
      [{ policy: { canaryPercent: 100, approvers: [] } }, ['policy.approvers', 'policy.canaryPercent']],
      [{ policy: { gate: { valueThresholds: [{ metric: 'r2' }] } } }, ['policy.gate.valueThresholds.0']],
      [{ policy: { canaryPercent: 5 }, action: 'approve' }, ['action']],
      [{}, ['policy']],
    ])('rejects %j at %j', (fields, paths) => {
      expect(issuePaths(() => update(fields)).sort()).toEqual([...paths].sort());
    });
  });
});
