/**
 * Adapters the local platform adds to the embedded stack (constructed here, so `shared/platform`
 * never picks an adapter itself): the notification webhook.
 */
import { HttpWebhookNotifier, type HttpNotifierOptions } from '../adapters/http.notifier.js';
import type { Notifier } from '../ports/notifier.js';

/** A notifier posting Slack-compatible JSON to `url` (IPO_NOTIFY_WEBHOOK_URL), with retries and backoff. */
export function webhookNotifier(url: string, options: Omit<HttpNotifierOptions, 'url'> = {}): Notifier {
  return new HttpWebhookNotifier({ url, ...options });
}
