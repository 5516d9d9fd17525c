/**
 * Notifier over an incoming webhook (Slack, Mattermost, Google Chat's Slack-compatible bridges, or any
 * receiver of JSON): POST the message, retrying network errors, timeouts, 429 and 5xx with exponential
 * backoff (honouring Retry-After). Any other 4xx is permanent: retrying cannot fix it. Errors name the
 * webhook's host only, since the URL of an incoming webhook is itself a secret.
 */
import { PermanentError, TransientError, errorMessage } from '../domain/errors.js';
import type { ChatMessage, Notifier } from '../ports/notifier.js';

/** Options of the webhook notifier. */
export interface HttpNotifierOptions {
  url: string;
  /** Attempts per `send` (default 4). */
  attempts?: number;
  /** First retry delay (default 500 ms), doubling per attempt up to `maxBackoffMs` (default 8 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** Delay before retry number `attempt` (1-based): Retry-After when the receiver gave one, else exponential backoff. */
export function backoffMs(
  attempt: number,
  options: { minBackoffMs: number; maxBackoffMs: number },
  retryAfter?: string | null,
): number {
  const seconds = retryAfter ? Number(retryAfter) : Number.NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, options.maxBackoffMs);
  return Math.min(options.minBackoffMs * 2 ** (attempt - 1), options.maxBackoffMs);
}

/** POSTs chat messages to a webhook URL. */
export class HttpWebhookNotifier implements Notifier {
  private readonly host: string;
  private readonly settings: Required<Omit<HttpNotifierOptions, 'url' | 'sleep'>>;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: HttpNotifierOptions) {
    this.host = new URL(options.url).host;
    this.settings = {
      attempts: options.attempts ?? 4,
      minBackoffMs: options.minBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 8000,
      timeoutMs: options.timeoutMs ?? 10_000,
    };
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Deliver one message; throws TransientError when every attempt failed, PermanentError on a refusal. */
  async send(message: ChatMessage): Promise<void> {
    const body = JSON.stringify(message);
    let last: TransientError | undefined;
    for (let attempt = 1; attempt <= this.settings.attempts; attempt++) {
      if (attempt > 1)
        await this.sleep(backoffMs(attempt - 1, this.settings, last?.details.retryAfter as string | undefined));
      let res: Response;
      try {
        res = await fetch(this.options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
      } catch (err) {
        last = new TransientError(
          'NOTIFY.UNREACHABLE',
          `notification webhook ${this.host} unreachable: ${errorMessage(err)}`,
        );
        continue;
      }
      const text = (await res.text().catch(() => '')).slice(0, 200);
      if (res.ok) return;
      if (res.status === 429 || res.status >= 500) {
        last = new TransientError(
          'NOTIFY.UNAVAILABLE',
          `notification webhook ${this.host} answered HTTP ${res.status}${text ? `: ${text}` : ''}`,
          { retryAfter: res.headers.get('retry-after') },
        );
        continue;
      }
      throw new PermanentError(
        'NOTIFY.REFUSED',
        `notification webhook ${this.host} refused the message with HTTP ${res.status}${text ? `: ${text}` : ''}`,
      );
    }
    throw new TransientError(
      last?.code ?? 'NOTIFY.UNAVAILABLE',
      `${last?.message ?? 'notification not delivered'} (after ${this.settings.attempts} attempts)`,
    );
  }
}
