/**
 * The local platform's JSON API: status, models, runs, alerts, experiments, audit, metrics, the
 * command routes (publish, outcomes, dead letters, login), the drift webhook, and a server-sent event
 * stream of lifecycle events. The console and the CLI read only this API; `guard.ts` decides who may.
 */
import { LIFECYCLE_EVENTS, SUBJECT_KINDS } from '../domain/contracts/index.js';
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import { METRIC_NAMES, type MetricName } from '../ports/metrics-sink.js';
import type { LocalStack } from '../composition/local.js';
import { handleWebhook } from '../services/webhook.service.js';
import { queryDocs } from '../services/documents.js';
import { commandRoutes, type DeadLetterAdmin } from './api-commands.js';
import { modelRoutes, modelView } from './api-models.js';
import { filters, limitOf, route, router, type Handler } from './api-router.js';
import type { OperatorAuth } from './auth.js';
import { HttpError, readBody } from '../http.js';
import { MAX_BODY_BYTES, SECURITY_HEADERS, sendJson } from './http-util.js';

export type { Handler } from './api-router.js';

/** Live-event fan-out for `GET /api/events`. */
export interface EventFeed {
  subscribe(send: (event: unknown) => void): () => void;
}

/** What the API needs besides the stack. */
export interface ApiOptions {
  auth: OperatorAuth;
  webhookToken: string;
  feed: EventFeed;
  deadLetters: DeadLetterAdmin;
}

/** Build the API handler over the local stack. */
export function createApi(stack: LocalStack, options: ApiOptions): Handler {
  const { store } = stack;
  return router([
    route('GET', /^\/healthz$/, async (_q, res) => sendJson(res, 200, { ok: true })),
    route('GET', /^\/api\/status$/, async (_q, res) => {
      const models = await Promise.all(
        (await queryDocs(store, SCHEMAS.ModelDoc, COLLECTIONS.models)).map((m) => modelView(store, m.data)),
      );
      const runs = (
        await queryDocs(store, SCHEMAS.RunDoc, COLLECTIONS.runs, {
          orderBy: { field: 'createdAt', direction: 'desc' },
          limit: 10,
        })
      ).map((r) => r.data);
      const alerts = (
        await queryDocs(store, SCHEMAS.AlertDoc, COLLECTIONS.alerts, {
          where: [{ field: 'state', op: '==', value: 'open' }],
        })
      ).map((a) => a.data);
      const events = (
        await store.query(COLLECTIONS.audit, { orderBy: { field: 'at', direction: 'desc' }, limit: 20 })
      ).map((a) => a.data);
      const deadLetters = (await options.deadLetters.list()).length;
      sendJson(res, 200, {
        models,
        runs,
        openAlerts: alerts,
        lastEvents: events,
        bus: stack.bus.stats(),
        deadLetters,
        at: new Date().toISOString(),
      });
    }),
    ...modelRoutes(store, stack.artifacts),
    route('GET', /^\/api\/runs$/, async (_q, res, _m, url) =>
      sendJson(
        res,
        200,
        (
          await store.query(COLLECTIONS.runs, {
            orderBy: { field: 'createdAt', direction: 'desc' },
            limit: limitOf(url),
          })
        ).map((r) => r.data),
      ),
    ),
    route('GET', /^\/api\/alerts$/, async (_q, res, _m, url) =>
      sendJson(
        res,
        200,
        (
          await store.query(COLLECTIONS.alerts, {
            where: filters(url, ['state', 'modelId', 'signal']),
            orderBy: { field: 'updatedAt', direction: 'desc' },
            limit: limitOf(url),
          })
        ).map((r) => r.data),
      ),
    ),
    route('GET', /^\/api\/experiments$/, async (_q, res, _m, url) =>
      sendJson(
        res,
        200,
        (await store.query(COLLECTIONS.experiments, { limit: limitOf(url) })).map((r) => ({ id: r.id, ...r.data })),
      ),
    ),
    // The audit log's vocabulary (the console's filters), from the one declaration in the contracts.
    route('GET', /^\/api\/audit\/vocabulary$/, async (_q, res) =>
      sendJson(res, 200, { actions: LIFECYCLE_EVENTS, subjectKinds: SUBJECT_KINDS }),
    ),
    route('GET', /^\/api\/audit$/, async (_q, res, _m, url) =>
      sendJson(
        res,
        200,
        (
          await store.query(COLLECTIONS.audit, {
            where: filters(url, ['action', 'modelId', 'actor', 'subject.kind', 'subject.id', 'correlationId']),
            orderBy: { field: 'at', direction: 'desc' },
            limit: limitOf(url),
          })
        ).map((r) => r.data),
      ),
    ),
    route('GET', /^\/api\/metrics\/([a-z][a-z0-9-]*)\/([a-z0-9_]+)$/, async (_q, res, m, url) => {
      if (!(METRIC_NAMES as readonly string[]).includes(m[2]))
        throw new HttpError(404, 'API.UNKNOWN_METRIC', `metric ${m[2]} is not one of ${METRIC_NAMES.join(', ')}`);
      const since = url.searchParams.get('since') ?? new Date(Date.now() - 30 * 86_400_000).toISOString();
      sendJson(res, 200, await stack.metrics.read(m[1], m[2] as MetricName, since));
    }),
    ...commandRoutes({ store, bus: stack.bus, auth: options.auth, deadLetters: options.deadLetters }),
    route('POST', /^\/webhooks\/monitoring$/, async (req, res, _m, url) => {
      const text = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        /* the decoder reports non-JSON bodies with a clear error */
      }
      const result = await handleWebhook(
        { method: 'POST', token: url.searchParams.get('token'), body },
        async () => stack.deps,
        options.webhookToken,
      );
      sendJson(res, result.status, result.body);
    }),
    route('GET', /^\/api\/events$/, async (req, res) => {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      const unsubscribe = options.feed.subscribe((event) =>
        res.write(`event: lifecycle\ndata: ${JSON.stringify(event)}\n\n`),
      );
      req.on('close', unsubscribe);
    }),
  ]);
}
