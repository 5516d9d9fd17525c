/**
 * Chat notifications on the local platform, against a local HTTP receiver: lifecycle events worth a
 * human arrive as Slack-compatible JSON, routine ones do not, a failing receiver is retried, and a
 * receiver that hangs never holds up the lifecycle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { webhookNotifier } from '../../shared/composition/platform.js';
import { startWebhookReceiver, type Script, type WebhookReceiver } from '../support/webhook-receiver.js';
import { startTestPlatform, type TestPlatform } from './support.js';

let receiver: WebhookReceiver | undefined;
let t: TestPlatform | undefined;
afterEach(async () => {
  await t?.close();
  await receiver?.close();
  t = undefined;
  receiver = undefined;
});

const event = (name: string, id: string) => ({
  type: 'lifecycle.event',
  event: name,
  modelId: 'ipo-valuation',
  subject: { kind: 'version', id },
  actor: 'on-eval-complete',
  reason: `${id} passed the gate and waits for an approver`,
  correlationId: `corr-${id}`,
  occurredAt: new Date().toISOString(),
});

async function start(script?: Script, fast = false): Promise<TestPlatform> {
  receiver = await startWebhookReceiver(script);
  // The configured path (IPO_NOTIFY_WEBHOOK_URL), or the same adapter with quick retries for the retry tests.
  return fast
    ? startTestPlatform(
        {},
        {
          notifier: webhookNotifier(receiver.url, { minBackoffMs: 10, timeoutMs: 300, attempts: 2 }),
          subscription: { minBackoffMs: 10, maxBackoffMs: 50 },
        },
      )
    : startTestPlatform({ IPO_NOTIFY_WEBHOOK_URL: receiver.url });
}

describe('notifications', () => {
  it('IPO_NOTIFY_WEBHOOK_URL: approval needed reaches the webhook with a console link; routine events do not', async () => {
    t = await start();
    expect(t.platform.notifying).toBe(true);
    await t.platform.stack.bus.publish({ topic: 'lifecycle-events', data: event('version.registered', '1.2.0') });
    await t.platform.stack.bus.publish({ topic: 'lifecycle-events', data: event('approval-needed', '1.2.0') });
    await t.platform.stack.bus.whenIdle();
    await receiver?.waitFor(1);
    expect(receiver?.received).toHaveLength(1);
    const body = receiver?.received[0].body as { text: string; blocks: unknown[] };
    expect(body.text).toMatch(/Approval needed: ipo-valuation 1\.2\.0/);
    expect(JSON.stringify(body.blocks)).toContain(`<${t.platform.url}/console/#/actions|Approve or reject>`);
  });

  it('without IPO_NOTIFY_WEBHOOK_URL nothing is sent', async () => {
    t = await startTestPlatform();
    expect(t.platform.notifying).toBe(false);
  });

  it('a receiver that fails is retried by the notifier and then by the bus until it accepts; one message arrives per event', async () => {
    t = await start((n) => (n < 3 ? { status: 503 } : { status: 200 }), true);
    await t.platform.stack.bus.publish({ topic: 'lifecycle-events', data: event('approval-needed', '1.3.0') });
    await receiver?.waitFor(4);
    await t.platform.stack.bus.whenIdle();
    expect(receiver?.received).toHaveLength(4);
    expect(t.platform.stack.bus.deadLetters()).toEqual([]);
  });

  it('a receiver that never answers does not hold up the lifecycle; after the last attempt the event is dead-lettered for replay', async () => {
    t = await start(() => 'hang', true);
    await t.platform.stack.bus.publish({ topic: 'lifecycle-events', data: event('approval-needed', '1.4.0') });
    const res = await fetch(`${t.platform.url}/api/publish/promotions`, {
      method: 'POST',
      headers: { ...t.auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'promotion.command',
        action: 'approve',
        modelId: 'ipo-valuation',
        version: '9.9.9',
        actor: 'operator@local',
      }),
    });
    const { dedupeKey } = (await res.json()) as { dedupeKey: string };
    let outcome: Response | undefined;
    for (let i = 0; i < 100 && outcome?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      outcome = await fetch(`${t.platform.url}/api/outcomes?topic=promotions&key=${dedupeKey}`, { headers: t.auth() });
    }
    expect(outcome?.status).toBe(200);
    expect(receiver?.received.length).toBeLessThan(10); // still trying while the command was decided
    await t.platform.stack.bus.whenIdle();
    expect(t.platform.stack.bus.deadLetters().map((d) => d.subscription)).toEqual(['platform-notifier']);
  });
});
