/**
 * The functions as Cloud Functions serves them: registered with functions-framework exactly like
 * functions/index.ts (same entry points), but on the deps of the current test's harness, and sent
 * the same Pub/Sub message in the three envelope modes functions-framework accepts.
 */
import type { Server } from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { DRIFT_WEBHOOK_ENTRY_POINT, entryPointOf, type FunctionName, type Topic } from '../../shared/domain/topics.js';
import { buildPubSubCloudEvent } from '../../shared/domain/envelopes/index.js';
import type { ServiceDeps } from '../../shared/services/context.js';
import { onNewData } from '../../functions/on-new-data/index.js';
import { onEvalComplete } from '../../functions/on-eval-complete/index.js';
import { onPromotion } from '../../functions/on-promotion/index.js';
import { onDriftAlert } from '../../functions/on-drift-alert/index.js';
import { onDriftAlertWebhook } from '../../functions/on-drift-alert/webhook.js';
import { pubsubBinaryRequest } from '../fixtures/envelopes/load.js';
import { PROJECT, consumerOf, nextMessageId } from '../support/service-harness.js';

/** The envelope modes of one Pub/Sub message (functions-framework's test/integration/cloud_event.ts). */
export const MODES = ['binary', 'structured', 'push'] as const;
/** An envelope mode. */
export type Mode = (typeof MODES)[number];

/** The drift webhook's token in these tests (the channel's `?token=`). */
export const WEBHOOK_TOKEN = 'test-token-0123456789abcdef';

/** Register the four functions and the webhook on whatever deps `current` returns at call time. */
export function registerFunctions(current: () => ServiceDeps): void {
  const getDeps = async (): Promise<ServiceDeps> => current();
  functions.cloudEvent(entryPointOf('on-new-data'), onNewData(getDeps));
  functions.cloudEvent(entryPointOf('on-eval-complete'), onEvalComplete(getDeps));
  functions.cloudEvent(entryPointOf('on-promotion'), onPromotion(getDeps));
  functions.cloudEvent(entryPointOf('on-drift-alert'), onDriftAlert(getDeps));
  functions.http(
    DRIFT_WEBHOOK_ENTRY_POINT,
    onDriftAlertWebhook(getDeps, async () => WEBHOOK_TOKEN),
  );
}

const servers = new Map<string, Server>();

/** The test server of a registered entry point (one per entry point per file). */
export function serverOf(entryPoint: string): Server {
  let server = servers.get(entryPoint);
  if (server === undefined) {
    server = getTestServer(entryPoint);
    servers.set(entryPoint, server);
  }
  return server;
}

/** The test server of the function consuming `topic`. */
export function serverFor(topic: Topic): Server {
  const fn: FunctionName | undefined = consumerOf(topic);
  if (fn === undefined) throw new Error(`no function consumes ${topic}`);
  return serverOf(entryPointOf(fn));
}

/** A Pub/Sub message as it travels: base64 data, string attributes. */
export interface WireMessage {
  data: string;
  attributes: Record<string, string>;
  messageId: string;
  publishTime: string;
}

/** A wire message carrying `payload` as JSON, or `raw` as the literal `data` field (e.g. bad base64). */
export function wireMessage(
  payload: unknown,
  options: { attributes?: Record<string, string>; messageId?: string; raw?: string } = {},
): WireMessage {
  return {
    data: options.raw ?? Buffer.from(JSON.stringify(payload)).toString('base64'),
    attributes: options.attributes ?? {},
    messageId: options.messageId ?? nextMessageId(),
    publishTime: '2024-06-01T00:00:00.000Z',
  };
}

/** POST one message to the function consuming `topic`, in `mode`. */
export function send(mode: Mode, topic: Topic, message: WireMessage): request.Test {
  const server = serverFor(topic);
  switch (mode) {
    case 'binary': {
      const req = pubsubBinaryRequest(PROJECT, topic, { ...message });
      return request(server)
        .post('/')
        .set(req.headers)
        .send(req.body as object);
    }
    case 'structured': {
      const ce = buildPubSubCloudEvent({ project: PROJECT, topic, ...message, data: '' });
      (ce.data as { message: { data: string } }).message.data = message.data; // already base64 (or deliberately not)
      return request(server).post('/').set('content-type', 'application/cloudevents+json').send(JSON.stringify(ce));
    }
    case 'push':
      return request(server)
        .post(`/projects/${PROJECT}/topics/${topic}`)
        .set('content-type', 'application/json')
        .send({ subscription: `projects/${PROJECT}/subscriptions/${topic}-push`, message, deliveryAttempt: 1 });
  }
}
