/**
 * The Cloud Monitoring webhook (notification channel `webhook_tokenauth`: the token travels in the
 * URL's query string, custom headers are not supported). Missing or wrong token: 401, no state change.
 * Transport-free: the deployed HTTP function and the local platform's server both call it.
 */
import { timingSafeEqual } from 'node:crypto';
import { asDecodeError, decodeMonitoringWebhookBody } from '../domain/envelopes/index.js';
import { errorMessage, isRetryable } from '../domain/errors.js';
import { dispatch, type DepsProvider } from './edge.js';
import { driftRoute } from './routes/drift-alert.route.js';

/** Whether a presented token equals the configured one, in constant time. */
export function tokenMatches(presented: unknown, expected: string | undefined): boolean {
  if (typeof presented !== 'string' || expected === undefined || expected.length === 0) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A webhook request, whatever the transport. */
export interface WebhookRequest {
  method: string;
  token: unknown;
  body: unknown;
}

/** A webhook response: status and JSON body. */
export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Authenticate, decode and handle one webhook call. A body that cannot be decoded is a 400 whatever the cause (Monitoring must not retry it). */
export async function handleWebhook(
  req: WebhookRequest,
  getDeps: DepsProvider,
  expectedToken: string | undefined,
): Promise<WebhookResponse> {
  if (req.method !== 'POST')
    return {
      status: 405,
      body: { error: { code: 'HTTP.METHOD', message: 'use POST with a Cloud Monitoring incident (schema 1.2)' } },
    };
  if (!tokenMatches(req.token, expectedToken))
    return {
      status: 401,
      body: { error: { code: 'AUTH.TOKEN', message: 'missing or wrong token: pass ?token=<the channel token>' } },
    };
  let decoded: ReturnType<typeof decodeMonitoringWebhookBody>;
  try {
    decoded = decodeMonitoringWebhookBody(req.body);
  } catch (err) {
    const error = asDecodeError(err, 'Cloud Monitoring incident');
    return { status: 400, body: { error: { code: error.code, message: error.message, issues: error.issues } } };
  }
  try {
    const incidentId = decoded.payload.type === 'monitoring.incident' ? decoded.payload.incidentId : decoded.dedupeKey;
    const result = await dispatch(
      await getDeps(),
      'on-drift-alert',
      { ...decoded, messageId: `webhook:${incidentId}`, attributes: {} },
      driftRoute,
    );
    return { status: 200, body: { ok: true, duplicate: result?.duplicate ?? false, outcome: result?.outcome ?? null } };
  } catch (err) {
    if (isRetryable(err)) return { status: 503, body: { error: { code: 'UNAVAILABLE', message: errorMessage(err) } } };
    return { status: 422, body: { error: { code: 'REJECTED', message: errorMessage(err) } } };
  }
}
