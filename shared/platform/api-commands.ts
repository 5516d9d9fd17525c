/**
 * The API's write side and what the CLI waits on: the validated publish endpoint, the recorded
 * outcome of a command (its ledger entry), dead-letter listing and replay, and the console's login.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { validateCommand } from '../domain/envelopes/index.js';
import { zodIssues } from '../domain/contracts/index.js';
import { ValidationError } from '../domain/errors.js';
import { isTopic, TOPICS, type Topic } from '../domain/topics.js';
import type { EventBus } from '../ports/event-bus.js';
import type { StateStore } from '../ports/state-store.js';
import { LEDGER, ledgerId } from '../services/processing.js';
import { requiredParam, route, type ApiRoute } from './api-router.js';
import type { OperatorAuth } from './auth.js';
import { HttpError } from '../http.js';
import { readJson, sendJson } from './http-util.js';

/** Which dead letters to replay: ids, a topic, or all (exactly one). */
export interface ReplaySelector {
  ids?: string[];
  topic?: Topic;
  all?: boolean;
}

/** The dead-letter operations the API exposes (runtime's `DeadLetters` port has this shape). */
export interface DeadLetterAdmin {
  list(options?: { topic?: Topic }): unknown[] | Promise<unknown[]>;
  replay(selector: ReplaySelector): Promise<{ replayed: number; skipped: unknown }>;
}

const replaySchema = z
  .strictObject({
    ids: z.array(z.string().min(1)).min(1).optional(),
    topic: z.enum(TOPICS).optional(),
    all: z.literal(true).optional(),
  })
  .refine((s) => [s.ids, s.topic, s.all].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of ids, topic or all',
  });

/** What the command routes need. */
export interface CommandRouteDeps {
  store: StateStore;
  bus: EventBus;
  auth: OperatorAuth;
  deadLetters: DeadLetterAdmin;
}

/** The ledger key a consumer records for a validated command: `topic:dedupeKey` (see services/edge.ts). */
export function outcomeKey(topic: Topic, dedupeKey: string): string {
  return `${topic}:${dedupeKey}`;
}

/** The command routes. */
export function commandRoutes(deps: CommandRouteDeps): ApiRoute[] {
  const { store, bus, auth } = deps;
  return [
    route('POST', /^\/api\/publish\/([a-z-]+)$/, async (req, res, m) => {
      if (!isTopic(m[1]))
        throw new HttpError(404, 'API.UNKNOWN_TOPIC', `topic ${m[1]} is not one of ${TOPICS.join(', ')}`);
      const command = validateCommand(m[1], await readJson(req), () => `op-${randomUUID()}`);
      const messageId = await bus.publish({
        topic: command.topic,
        data: command.payload,
        attributes: command.attributes,
      });
      // `dedupeKey` is what GET /api/outcomes takes to find the consumer's recorded outcome.
      sendJson(res, 202, {
        messageId,
        topic: command.topic,
        ...command.attributes,
        dedupeKey: command.decoded.dedupeKey,
        payload: command.payload,
      });
    }),
    route('GET', /^\/api\/outcomes$/, async (_req, res, _m, url) => {
      const topic = requiredParam(url, 'topic', `one of ${TOPICS.join(', ')}`);
      if (!isTopic(topic))
        throw new HttpError(400, 'API.UNKNOWN_TOPIC', `topic: ${topic} is not one of ${TOPICS.join(', ')}`);
      const key = requiredParam(url, 'key', 'the dedupeKey the publish reply returned');
      const entry = await store.get(LEDGER, ledgerId(outcomeKey(topic, key)));
      if (!entry)
        throw new HttpError(
          404,
          'API.NO_OUTCOME',
          `no outcome recorded for ${topic} key ${key} yet (queued, still processing, or never published)`,
        );
      const { outcome, status, handler, pending, correlationId, createdAt, updatedAt } = entry;
      sendJson(res, 200, { topic, key, status, outcome, handler, pending, correlationId, createdAt, updatedAt });
    }),
    route('GET', /^\/api\/dead-letters$/, async (_req, res, _m, url) => {
      const topic = url.searchParams.get('topic') ?? undefined;
      if (topic !== undefined && !isTopic(topic))
        throw new HttpError(400, 'API.UNKNOWN_TOPIC', `topic: ${topic} is not one of ${TOPICS.join(', ')}`);
      sendJson(res, 200, await deps.deadLetters.list(topic === undefined ? {} : { topic }));
    }),
    route('POST', /^\/api\/dead-letters\/replay$/, async (req, res) => {
      const parsed = replaySchema.safeParse(await readJson(req));
      if (!parsed.success) throw new ValidationError('replay selector', zodIssues(parsed.error));
      sendJson(res, 200, await deps.deadLetters.replay(parsed.data));
    }),
    route('GET', /^\/api\/session$/, async (req, res) =>
      sendJson(res, 200, { authenticated: auth.authenticate(req) !== undefined }),
    ),
    route('POST', /^\/api\/session$/, async (req, res) => {
      const body = await readJson(req);
      const token = typeof body === 'object' && body !== null ? (body as { token?: unknown }).token : undefined;
      if (typeof token !== 'string' || token === '')
        throw new ValidationError(
          'login',
          [{ path: 'token', message: 'required: the operator token' }],
          'AUTH.REQUIRED',
        );
      if (!auth.tokenMatches(token.trim()))
        throw new HttpError(401, 'AUTH.INVALID_TOKEN', 'token: not the operator token');
      sendJson(res, 200, { authenticated: true }, { 'set-cookie': auth.startSession() });
    }),
    route('DELETE', /^\/api\/session$/, async (req, res) =>
      sendJson(res, 200, { authenticated: false }, { 'set-cookie': auth.endSession(req) }),
    ),
  ];
}
