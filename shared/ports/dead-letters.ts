/**
 * Dead-letters port: the messages a subscription gave up on (after its maximum delivery attempts),
 * and their replay to the topic they were published to. The embedded bus keeps them in its database;
 * on Google Cloud they wait on the `<topic>-dead-letter` subscriptions Terraform creates.
 *
 * Replay republishes a message with its original data, attributes and ordering key, so its
 * `idempotencyKey` is unchanged and the consumer's ledger still gives one effect, however often a
 * message is replayed. A message leaves the dead letters only once its republish succeeded.
 */
import { ValidationError, type Issue } from '../domain/errors.js';
import { isTopic, type Topic } from '../domain/topics.js';

/** A dead-lettered message. */
export interface DeadLetter {
  /** What to pass to `replay({ ids })`: the dead-letter row locally, the dead-letter message id on Pub/Sub. */
  id: string;
  /** The topic it was published to, and is replayed to. */
  topic: Topic;
  /** The subscription that gave up on it. */
  subscription: string;
  /** Its message id when it was last delivered (locally the original id, kept on replay). */
  messageId: string;
  /** The JSON payload (the raw text when it is not JSON). */
  data: unknown;
  attributes: Record<string, string>;
  orderingKey?: string;
  /** When it was first published. */
  publishTime: string;
  /** Delivery attempts made before it was dead-lettered. */
  attempts: number;
  /** The last failure (code and message), when the backend records it (the embedded bus does; Pub/Sub does not). */
  reason?: string;
  /** When it was dead-lettered. */
  deadAt: string;
}

/** Which dead letters to replay: some ids, every one of a topic, or all. */
export interface DeadLetterSelector {
  ids?: string[];
  topic?: Topic;
  all?: boolean;
}

/** What a replay did; a message that could not be republished stays a dead letter, listed in `skipped`. */
export interface ReplayResult {
  replayed: number;
  skipped: { id: string; reason: string }[];
}

/** Reading and replaying dead letters. */
export interface DeadLetters {
  /** Dead letters, oldest first, optionally of one topic and at most `limit`. */
  list(options?: { topic?: Topic; limit?: number }): Promise<DeadLetter[]>;
  /** Republish the selected dead letters to their topics; each leaves the dead letters once republished. */
  replay(selector: DeadLetterSelector): Promise<ReplayResult>;
}

/** Check a selector from outside (API, CLI): exactly one of non-empty `ids`, a known `topic`, or `all: true`. */
export function parseDeadLetterSelector(input: unknown): DeadLetterSelector {
  const issues: Issue[] = [];
  const s = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const chosen = ['ids', 'topic', 'all'].filter((k) => s[k] !== undefined);
  if (chosen.length !== 1)
    issues.push({
      path: '(selector)',
      message: `give exactly one of ids, topic or all (got ${chosen.length === 0 ? 'none' : chosen.join(', ')})`,
    });
  if (
    s.ids !== undefined &&
    !(Array.isArray(s.ids) && s.ids.length > 0 && s.ids.every((id) => typeof id === 'string' && id !== ''))
  ) {
    issues.push({ path: 'ids', message: 'must be a non-empty list of dead-letter ids' });
  }
  if (s.topic !== undefined && !(typeof s.topic === 'string' && isTopic(s.topic)))
    issues.push({ path: 'topic', message: `"${String(s.topic)}" is not a known topic` });
  if (s.all !== undefined && s.all !== true) issues.push({ path: 'all', message: 'must be true when given' });
  if (issues.length > 0) throw new ValidationError('dead-letter selector', issues, 'DEADLETTER.INVALID_SELECTOR');
  return s.ids !== undefined
    ? { ids: s.ids as string[] }
    : s.topic !== undefined
      ? { topic: s.topic as Topic }
      : { all: true };
}

/** Whether a dead letter matches a (parsed) selector. */
export function selects(selector: DeadLetterSelector, letter: Pick<DeadLetter, 'id' | 'topic'>): boolean {
  if (selector.all === true) return true;
  if (selector.topic !== undefined) return letter.topic === selector.topic;
  return selector.ids?.includes(letter.id) ?? false;
}
