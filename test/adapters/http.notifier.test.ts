/** The webhook notifier against a local HTTP receiver: delivery, retries with backoff, refusals, timeouts, and no URL in errors. */
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, HttpWebhookNotifier } from '../../shared/adapters/http.notifier.js';
import { AppError } from '../../shared/domain/errors.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const message = {
  text: 'Approval needed: ipo-valuation 1.2.0',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }],
};
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function notifier(url: string, sleeps: number[] = [], extra = {}) {
  return new HttpWebhookNotifier({
    url,
    attempts: 4,
    minBackoffMs: 100,
    maxBackoffMs: 1000,
    sleep: async (ms) => void sleeps.push(ms),
    ...extra,
  });
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('HttpWebhookNotifier', () => {
  it('POSTs the Slack-compatible JSON once when the receiver accepts it', async () => {
    receiver = await startWebhookReceiver();
    await notifier(receiver.url).send(message);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({
      path: '/services/T000/B000/secret-part',
      body: message,
      headers: { 'content-type': 'application/json' },
    });
  });

  it('retries 5xx and 429 with exponential backoff, honouring Retry-After, then succeeds', async () => {
    receiver = await startWebhookReceiver((n) =>
      n === 0
        ? { status: 503 }
        : n === 1
          ? { status: 429, headers: { 'retry-after': '0.25' } }
          : n === 2
            ? { status: 500 }
            : { status: 200 },
    );
    const sleeps: number[] = [];
    await notifier(receiver.url, sleeps).send(message);
    expect(receiver.received).toHaveLength(4);
    expect(sleeps).toEqual([100, 250, 400]);
  });

  it('gives up after the last attempt with a retryable error naming the host, never the secret URL', async () => {
    receiver = await startWebhookReceiver(() => ({ status: 502, body: 'bad gateway' }));
    const err = await failure(notifier(receiver.url).send(message));
    expect(err).toMatchObject({ code: 'NOTIFY.UNAVAILABLE', retryable: true });
    expect(err.message).toMatch(
      /^notification webhook 127\.0\.0\.1:\d+ answered HTTP 502: bad gateway \(after 4 attempts\)$/,
    );
    expect(err.message).not.toContain('secret-part');
    expect(receiver.received).toHaveLength(4);
  });

  it('a 4xx refusal is permanent: one attempt only', async () => {
    receiver = await startWebhookReceiver(() => ({ status: 404, body: 'no_service' }));
    const err = await failure(notifier(receiver.url).send(message));
    expect(err).toMatchObject({ code: 'NOTIFY.REFUSED', retryable: false });
    expect(err.message).toContain('HTTP 404: no_service');
    expect(receiver.received).toHaveLength(1);
  });

  it('an unreachable receiver and a receiver that never answers are retryable failures', async () => {
    const down = await failure(notifier('http://127.0.0.1:9/hook').send(message));
    expect(down).toMatchObject({ code: 'NOTIFY.UNREACHABLE', retryable: true });
    receiver = await startWebhookReceiver(() => 'hang');
    const hung = await failure(notifier(receiver.url, [], { attempts: 2, timeoutMs: 200 }).send(message));
    expect(hung.retryable).toBe(true);
    expect(receiver.received).toHaveLength(2);
  });

  it('backoff doubles up to the cap', () => {
    const o = { minBackoffMs: 500, maxBackoffMs: 8000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, o))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(backoffMs(1, o, '3')).toBe(3000);
    expect(backoffMs(1, o, '3600')).toBe(8000);
    expect(backoffMs(2, o, 'Wed, 21 Oct 2015 07:28:00 GMT')).toBe(1000);
  });
});
