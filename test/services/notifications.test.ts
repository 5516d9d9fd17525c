/** Which lifecycle events reach a human, and how they read in Slack-compatible JSON. */
import { describe, expect, it } from 'vitest';
import { LIFECYCLE_EVENTS, type LifecycleEvent } from '../../shared/domain/contracts/index.js';
import { chatMessage, escapeMrkdwn, NOTIFIED_EVENTS, notificationFor } from '../../shared/services/notifications.js';

const base: LifecycleEvent = {
  type: 'lifecycle.event',
  event: 'approval-needed',
  modelId: 'ipo-valuation',
  subject: { kind: 'version', id: '1.2.0' },
  to: 'blessed',
  actor: 'on-eval-complete',
  reason: '1.2.0 passed the gate and waits for an approver (alice@example.com)',
  correlationId: 'corr-1',
  occurredAt: '2025-01-02T03:04:05.000Z',
};

describe('notificationFor', () => {
  it('notifies approval needed, rollbacks, failed runs and alerts; everything else is routine', () => {
    const notified = LIFECYCLE_EVENTS.filter((event) => notificationFor({ ...base, event }) !== undefined);
    expect(notified.sort()).toEqual(Object.keys(NOTIFIED_EVENTS).sort());
    expect(notified).not.toContain('run.retry-scheduled');
    expect(notified).not.toContain('version.blessed');
  });

  it('a canary superseded by a newer canary or a promotion is routine; a rollback for cause is not', () => {
    const rolledBack = { ...base, event: 'version.rolled-back' as const, from: 'canary', to: 'rolled_back' };
    expect(notificationFor({ ...rolledBack, evidence: { cause: 'superseded' } })).toBeUndefined();
    expect(notificationFor({ ...rolledBack, evidence: { cause: 'rolled-back' } })?.kind).toBe('rollback');
  });

  it('titles, severity, fields and a link to the page where the operator acts', () => {
    const n = notificationFor(base, 'http://127.0.0.1:8080/console/');
    expect(n).toMatchObject({
      kind: 'approval-needed',
      severity: 'info',
      title: 'Approval needed: ipo-valuation 1.2.0',
      text: base.reason,
      fields: [
        { label: 'Model', value: 'ipo-valuation' },
        { label: 'version', value: '1.2.0' },
        { label: 'Transition', value: '∅ → blessed' },
        { label: 'Actor', value: 'on-eval-complete' },
      ],
      link: { label: 'Approve or reject', url: 'http://127.0.0.1:8080/console/#/actions' },
    });
    const rollback = notificationFor({
      ...base,
      event: 'version.rolled-back',
      from: 'canary',
      to: 'rolled_back',
      actor: 'automation',
      reason: 'alert a-1: drift',
    });
    expect(rollback).toMatchObject({
      kind: 'rollback',
      severity: 'critical',
      title: 'Rolled back: ipo-valuation 1.2.0',
    });
    expect(rollback?.link).toBeUndefined();
    expect(notificationFor({ ...base, event: 'run.failed', subject: { kind: 'run', id: 'run-7' } })?.title).toBe(
      'Training run failed: ipo-valuation',
    );
    expect(notificationFor({ ...base, event: 'alert.opened', subject: { kind: 'alert', id: 'a-1' } })).toMatchObject({
      kind: 'alert',
      title: 'Alert opened: ipo-valuation',
    });
  });
});

describe('chatMessage', () => {
  it('is Slack incoming-webhook JSON: fallback text plus header, section, fields and context blocks', () => {
    const m = chatMessage(
      notificationFor(base, 'http://127.0.0.1:8080/console') as NonNullable<ReturnType<typeof notificationFor>>,
    );
    expect(m.text).toBe(`:large_blue_circle: Approval needed: ipo-valuation 1.2.0: ${base.reason}`);
    expect(m.blocks?.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(m.blocks?.[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Approval needed: ipo-valuation 1.2.0', emoji: true },
    });
    expect(JSON.stringify(m.blocks?.[3])).toContain('<http://127.0.0.1:8080/console/#/actions|Approve or reject>');
    expect(JSON.stringify(m.blocks?.[3])).toContain('correlation corr-1');
  });

  it('escapes text so an event reason cannot inject links or mentions', () => {
    expect(escapeMrkdwn('a < b & <!channel> <http://evil|click>')).toBe(
      'a &lt; b &amp; &lt;!channel&gt; &lt;http://evil|click&gt;',
    );
    const m = chatMessage(
      notificationFor({ ...base, reason: '<!channel> <http://evil|click>' }) as NonNullable<
        ReturnType<typeof notificationFor>
      >,
    );
    expect(JSON.stringify(m.blocks)).not.toContain('<!channel>');
  });
});
