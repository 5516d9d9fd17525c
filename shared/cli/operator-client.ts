/**
 * Where operator commands go: the local platform's HTTP API (default), or real Pub/Sub topics
 * with `--gcp --project P`. Commands are validated against the topic contract before sending.
 */
import { randomUUID } from 'node:crypto';
import { validateCommand } from '../domain/envelopes/index.js';
import { AppError, ValidationError } from '../domain/errors.js';
import type { Topic } from '../domain/topics.js';

/** Result of sending a command. */
export interface Sent {
  messageId: string;
  idempotencyKey: string;
  correlationId: string;
  payload: Record<string, unknown>;
}

/** An operator transport. */
export interface OperatorClient {
  publish(topic: Topic, json: unknown): Promise<Sent>;
  /** GET a JSON path of the local platform's API (not available with --gcp). */
  get(path: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Talk to the local platform at `baseUrl`. */
export function httpClient(baseUrl: string): OperatorClient {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new AppError('CLI.UNREACHABLE', `cannot reach the platform at ${baseUrl}: start it with \`npm start\`, or pass --url`, true);
    }
    const json = (await res.json()) as { error?: { code: string; message: string; issues?: { path: string; message: string }[] } };
    if (!res.ok) {
      if (json.error?.issues) throw new ValidationError('command', json.error.issues, json.error.code);
      throw new AppError(json.error?.code ?? `HTTP.${res.status}`, json.error?.message ?? `HTTP ${res.status}`, res.status >= 500);
    }
    return json;
  };
  return {
    async publish(topic, json) {
      validateCommand(topic, json, () => 'cli-check'); // fail fast, before any network call
      return (await call('POST', `/api/publish/${topic}`, json)) as Sent;
    },
    get: (path) => call('GET', path),
    close: async () => undefined,
  };
}

/** Publish to real Pub/Sub topics of `projectId` (PUBSUB_EMULATOR_HOST is honoured by the SDK). */
export async function pubsubClient(projectId: string): Promise<OperatorClient> {
  const { pubsubBus } = await import('../composition/cli.js');
  const bus = await pubsubBus(projectId);
  return {
    async publish(topic, json) {
      const command = validateCommand(topic, json, () => `cli-${randomUUID()}`);
      const messageId = await bus.publish({ topic, data: command.payload, attributes: command.attributes });
      return { messageId, idempotencyKey: command.attributes.idempotencyKey, correlationId: command.attributes.correlationId, payload: command.payload };
    },
    async get() {
      throw new AppError('CLI.NOT_LOCAL', 'this command reads the local platform; with --gcp read Firestore in the console instead', false);
    },
    close: () => bus.close(),
  };
}
