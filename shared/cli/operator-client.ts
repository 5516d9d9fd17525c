/**
 * Where operator commands go: the local platform's HTTP API (default, with the operator token as a
 * bearer), or real Pub/Sub topics with `--gcp --project P`. Commands are validated against the topic
 * contract before sending; over HTTP the client can also read a command's recorded outcome.
 */
import { randomUUID } from 'node:crypto';
import { validateCommand } from '../domain/envelopes/index.js';
import { AppError } from '../domain/errors.js';
import type { Topic } from '../domain/topics.js';
import { errorFromReply } from '../platform/http-util.js';

/** Result of sending a command. */
export interface Sent {
  messageId: string;
  topic: Topic;
  idempotencyKey: string;
  correlationId: string;
  /** The key the consumer records the outcome under (GET /api/outcomes). */
  dedupeKey: string;
  payload: Record<string, unknown>;
}

/** A command's recorded outcome (its ledger entry). */
export interface Outcome {
  status: 'applied' | 'rejected';
  outcome: Record<string, unknown>;
  handler: string;
}

/** An operator transport. */
export interface OperatorClient {
  publish(topic: Topic, json: unknown): Promise<Sent>;
  /** GET a JSON path of the local platform's API (not available with --gcp). */
  get(path: string): Promise<unknown>;
  /** POST JSON to a path of the local platform's API (not available with --gcp). */
  post(path: string, body: unknown): Promise<unknown>;
  /** The outcome recorded for a sent command, or undefined while none is; undefined `outcome` means the transport cannot tell. */
  outcome?: (sent: Sent) => Promise<Outcome | undefined>;
  close(): Promise<void>;
}

/** Talk to the local platform at `baseUrl`, authenticating with `token` when given. */
export function httpClient(baseUrl: string, token?: string): OperatorClient {
  const call = async (method: string, path: string, body?: unknown, missing?: 404): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      });
    } catch {
      throw new AppError(
        'CLI.UNREACHABLE',
        `cannot reach the platform at ${baseUrl}: start it with \`npm start\`, or pass --url`,
        true,
      );
    }
    const json = (await res.json().catch(() => undefined)) as unknown;
    if (res.status === missing) return undefined;
    if (res.status === 401) {
      const hint =
        token === undefined
          ? 'no operator token found: set IPO_OPERATOR_TOKEN, or run where the platform keeps DATA_DIR/operator-token (--data-dir)'
          : 'the operator token was refused (IPO_OPERATOR_TOKEN or DATA_DIR/operator-token of another platform?)';
      throw new AppError('CLI.UNAUTHORIZED', `${baseUrl}: ${hint}`, false);
    }
    if (!res.ok) throw errorFromReply(res.status, json);
    return json;
  };
  return {
    async publish(topic, json) {
      validateCommand(topic, json, () => 'cli-check'); // fail fast, before any network call
      return (await call('POST', `/api/publish/${topic}`, json)) as Sent;
    },
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    outcome: async (sent) =>
      (await call(
        'GET',
        `/api/outcomes?topic=${encodeURIComponent(sent.topic)}&key=${encodeURIComponent(sent.dedupeKey)}`,
        undefined,
        404,
      )) as Outcome | undefined,
    close: async () => undefined,
  };
}

/** Publish to real Pub/Sub topics of `projectId` (PUBSUB_EMULATOR_HOST is honoured by the SDK). */
export async function pubsubClient(projectId: string): Promise<OperatorClient> {
  const { pubsubBus } = await import('../composition/cli.js');
  const bus = await pubsubBus(projectId);
  const notLocal = async (): Promise<never> => {
    throw new AppError(
      'CLI.NOT_LOCAL',
      'this command reads the local platform; with --gcp read Firestore in the console instead',
      false,
    );
  };
  return {
    async publish(topic, json) {
      const command = validateCommand(topic, json, () => `cli-${randomUUID()}`);
      const messageId = await bus.publish({ topic, data: command.payload, attributes: command.attributes });
      return {
        messageId,
        topic,
        idempotencyKey: command.attributes.idempotencyKey,
        correlationId: command.attributes.correlationId,
        dedupeKey: command.decoded.dedupeKey,
        payload: command.payload,
      };
    },
    get: notLocal,
    post: notLocal,
    close: () => bus.close(),
  };
}
