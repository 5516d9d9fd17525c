/**
 * The local platform's JSON API: status, versions, runs, alerts, experiments, audit, metrics,
 * dead letters, a validated publish endpoint for operators, the drift webhook, and a server-sent
 * event stream of lifecycle events. The console and the CLI read only this API.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateCommand } from '../domain/envelopes/index.js';
import { COLLECTIONS, type ModelDoc, SCHEMAS } from '../domain/state.js';
import { isTopic, TOPICS } from '../domain/topics.js';
import { METRIC_NAMES, type MetricName } from '../ports/metrics-sink.js';
import type { Where } from '../ports/state-store.js';
import type { LocalStack } from '../composition/local.js';
import { handleWebhook } from '../services/webhook.service.js';
import { HttpError, readBody, readJson, sendError, sendJson } from './http-util.js';
import { getDoc, queryDocs } from '../services/documents.js';

/** A route handler: resolves true when it handled the request. */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** Live-event fan-out for `GET /api/events`. */
export interface EventFeed {
  subscribe(send: (event: unknown) => void): () => void;
}

/** Build the API handler over the local stack. */
export function createApi(stack: LocalStack, options: { webhookToken?: string; feed: EventFeed }): Handler {
  const { store } = stack;
  const modelView = async (model: ModelDoc) => {
    const versions = (await queryDocs(store, SCHEMAS.VersionDoc, COLLECTIONS.versions(model.modelId))).map((v) => v.data);
    const deployment = await getDoc(store, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, model.endpointId);
    const inFlight = model.inFlightRunId ? await getDoc(store, SCHEMAS.RunDoc, COLLECTIONS.runs, model.inFlightRunId) : undefined;
    const canary = versions.find((v) => v.state === 'canary')?.version ?? null;
    return { ...model, versions: versions.sort((a, b) => b.createdAt.localeCompare(a.createdAt)), deployment: deployment ?? null, inFlightRun: inFlight ?? null, canaryVersion: canary };
  };
  const routes: [string, RegExp, (req: IncomingMessage, res: ServerResponse, m: RegExpExecArray, url: URL) => Promise<void>][] = [
    ['GET', /^\/healthz$/, async (_q, res) => sendJson(res, 200, { ok: true })],
    ['GET', /^\/api\/status$/, async (_q, res) => {
      const models = await Promise.all((await queryDocs(store, SCHEMAS.ModelDoc, COLLECTIONS.models)).map((m) => modelView(m.data)));
      const runs = (await queryDocs(store, SCHEMAS.RunDoc, COLLECTIONS.runs, { orderBy: { field: 'createdAt', direction: 'desc' }, limit: 10 })).map((r) => r.data);
      const alerts = (await queryDocs(store, SCHEMAS.AlertDoc, COLLECTIONS.alerts, { where: [{ field: 'state', op: '==', value: 'open' }] })).map((a) => a.data);
      const events = (await store.query(COLLECTIONS.audit, { orderBy: { field: 'at', direction: 'desc' }, limit: 20 })).map((a) => a.data);
      sendJson(res, 200, { models, runs, openAlerts: alerts, lastEvents: events, bus: stack.bus.stats(), deadLetters: stack.bus.deadLetters().length, at: new Date().toISOString() });
    }],
    ['GET', /^\/api\/models\/([a-z][a-z0-9-]*)$/, async (_q, res, m) => {
      const model = await getDoc(store, SCHEMAS.ModelDoc, COLLECTIONS.models, m[1]);
      if (!model) throw new HttpError(404, 'API.NOT_FOUND', `model ${m[1]} does not exist`);
      sendJson(res, 200, await modelView(model));
    }],
    ['GET', /^\/api\/runs$/, async (_q, res, _m, url) => sendJson(res, 200, (await store.query(COLLECTIONS.runs, { orderBy: { field: 'createdAt', direction: 'desc' }, limit: limitOf(url) })).map((r) => r.data))],
    ['GET', /^\/api\/alerts$/, async (_q, res, _m, url) => sendJson(res, 200, (await store.query(COLLECTIONS.alerts, { where: filters(url, ['state', 'modelId', 'signal']), orderBy: { field: 'updatedAt', direction: 'desc' }, limit: limitOf(url) })).map((r) => r.data))],
    ['GET', /^\/api\/experiments$/, async (_q, res, _m, url) => sendJson(res, 200, (await store.query(COLLECTIONS.experiments, { limit: limitOf(url) })).map((r) => ({ id: r.id, ...r.data })))],
    ['GET', /^\/api\/audit$/, async (_q, res, _m, url) => sendJson(res, 200, (await store.query(COLLECTIONS.audit, { where: filters(url, ['action', 'modelId', 'actor', 'subject.kind', 'subject.id']), orderBy: { field: 'at', direction: 'desc' }, limit: limitOf(url) })).map((r) => r.data))],
    ['GET', /^\/api\/metrics\/([a-z][a-z0-9-]*)\/([a-z0-9_]+)$/, async (_q, res, m, url) => {
      if (!(METRIC_NAMES as readonly string[]).includes(m[2])) throw new HttpError(404, 'API.UNKNOWN_METRIC', `metric ${m[2]} is not one of ${METRIC_NAMES.join(', ')}`);
      const since = url.searchParams.get('since') ?? new Date(Date.now() - 30 * 86_400_000).toISOString();
      sendJson(res, 200, await stack.metrics.read(m[1], m[2] as MetricName, since));
    }],
    ['GET', /^\/api\/dead-letters$/, async (_q, res) => sendJson(res, 200, stack.bus.deadLetters())],
    ['POST', /^\/api\/publish\/([a-z-]+)$/, async (req, res, m) => {
      if (!isTopic(m[1])) throw new HttpError(404, 'API.UNKNOWN_TOPIC', `topic ${m[1]} is not one of ${TOPICS.join(', ')}`);
      const command = validateCommand(m[1], await readJson(req), () => `op-${randomUUID()}`);
      const messageId = await stack.bus.publish({ topic: command.topic, data: command.payload, attributes: command.attributes });
      sendJson(res, 202, { messageId, topic: command.topic, ...command.attributes, payload: command.payload });
    }],
    ['POST', /^\/webhooks\/monitoring$/, async (req, res, _m, url) => {
      const text = await readBody(req);
      let body: unknown = text;
      try { body = JSON.parse(text) as unknown; } catch { /* the decoder reports non-JSON bodies with a clear error */ }
      const result = await handleWebhook({ method: 'POST', token: url.searchParams.get('token'), body }, async () => stack.deps, options.webhookToken);
      sendJson(res, result.status, result.body);
    }],
    ['GET', /^\/api\/events$/, async (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n');
      const unsubscribe = options.feed.subscribe((event) => res.write(`event: lifecycle\ndata: ${JSON.stringify(event)}\n\n`));
      req.on('close', unsubscribe);
    }],
  ];
  return async (req, res, url) => {
    for (const [method, pattern, handle] of routes) {
      const m = pattern.exec(url.pathname);
      if (!m) continue;
      if (req.method !== method) {
        sendJson(res, 405, { error: { code: 'HTTP.METHOD', message: `${url.pathname} accepts ${method}` } });
        return true;
      }
      try {
        await handle(req, res, m, url);
      } catch (err) {
        sendError(res, err);
      }
      return true;
    }
    return false;
  };
}

function limitOf(url: URL): number {
  const n = Number(url.searchParams.get('limit') ?? 100);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new HttpError(400, 'API.BAD_LIMIT', 'limit: must be an integer from 1 to 1000');
  return n;
}

function filters(url: URL, allowed: string[]): Where[] {
  const where: Where[] = [];
  for (const [key, value] of url.searchParams) {
    if (key === 'limit' || key === 'since') continue;
    if (!allowed.includes(key)) throw new HttpError(400, 'API.BAD_FILTER', `${key}: not a filter here (use ${allowed.join(', ')})`);
    where.push({ field: key, op: '==', value });
  }
  return where;
}
