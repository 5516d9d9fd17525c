/**
 * The Cloud Monitoring webhook (notification channel `webhook_tokenauth`: the token travels in the
 * URL's query string, custom headers are not supported). Missing or wrong token: 401, no state change.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from '@google-cloud/functions-framework';
import { decodeMonitoringWebhookBody } from '../../shared/domain/envelopes/index.js';
import { ValidationError, errorMessage, isRetryable } from '../../shared/domain/errors.js';
import { dispatch, type DepsProvider } from '../../shared/services/edge.js';
import { driftRoute } from './index.js';

/** Whether a presented token equals the configured one, in constant time. */
export function tokenMatches(presented: unknown, expected: string | undefined): boolean {
  if (typeof presented !== 'string' || expected === undefined || expected.length === 0) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The HTTP handler of the drift webhook. `getToken` reads the configured token (Secret Manager on Google Cloud). */
export function onDriftAlertWebhook(getDeps: DepsProvider, getToken: () => Promise<string | undefined>) {
  return async (req: Request, res: Response): Promise<void> => {
    if (req.method !== 'POST') {
      res.status(405).json({ error: { code: 'HTTP.METHOD', message: 'use POST with a Cloud Monitoring incident (schema 1.2)' } });
      return;
    }
    const presented = req.query.token ?? req.get('x-webhook-token');
    if (!tokenMatches(presented, await getToken())) {
      res.status(401).json({ error: { code: 'AUTH.TOKEN', message: 'missing or wrong token: pass ?token=<the channel token>' } });
      return;
    }
    const deps = await getDeps();
    try {
      const decoded = decodeMonitoringWebhookBody(req.body);
      const incidentId = decoded.payload.type === 'monitoring.incident' ? decoded.payload.incidentId : decoded.dedupeKey;
      const result = await dispatch(deps, 'on-drift-alert', { ...decoded, messageId: `webhook:${incidentId}` }, driftRoute);
      res.status(200).json({ ok: true, duplicate: result?.duplicate ?? false, outcome: result?.outcome ?? null });
    } catch (err) {
      if (err instanceof ValidationError) {
        res.status(400).json({ error: { code: err.code, message: err.message, issues: err.issues } });
      } else if (isRetryable(err)) {
        res.status(503).json({ error: { code: 'UNAVAILABLE', message: errorMessage(err) } });
      } else {
        res.status(422).json({ error: { code: 'REJECTED', message: errorMessage(err) } });
      }
    }
  };
}
