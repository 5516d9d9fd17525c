/** `ipo-mlops dlq list|replay`: messages the bus gave up on, and sending them again (idempotently: they keep their keys). */
import { ValidationError } from '../domain/errors.js';
import { isTopic, TOPICS } from '../domain/topics.js';
import type { CliCommand } from './command.js';
import { operatorCommand } from './operator-command.js';
import { table } from './render.js';

interface DeadLetterView {
  /** What replay --id takes (runtime's DeadLetters port); older buses list only the message id. */
  id?: string;
  messageId: string;
  topic: string;
  subscription: string;
  attempts: number;
  /** The last failure, when the backend records it (Pub/Sub does not). */
  reason?: string;
  deadAt: string;
}

/** The replay selector of `--id` / `--topic` / `--all` (exactly one). */
export function replaySelector(values: {
  id?: string | boolean;
  topic?: string | boolean;
  all?: string | boolean;
}): { ids: string[] } | { topic: string } | { all: true } {
  const given = [values.id, values.topic, values.all].filter((v) => v !== undefined && v !== false).length;
  if (given !== 1)
    throw new ValidationError('options', [
      {
        path: '--id | --topic | --all',
        message: 'give exactly one: dead-letter ids from `dlq list` (comma-separated), a topic, or all',
      },
    ]);
  if (typeof values.id === 'string')
    return {
      ids: values.id
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    };
  if (typeof values.topic === 'string') {
    if (!isTopic(values.topic))
      throw new ValidationError('options', [{ path: '--topic', message: `must be one of ${TOPICS.join(', ')}` }]);
    return { topic: values.topic };
  }
  return { all: true };
}

/** The dead-letter commands. */
export const dlqCommands: CliCommand[] = [
  operatorCommand(
    ['dlq', 'list'],
    'List dead-lettered messages (oldest first): topic, subscription, attempts and the last failure.',
    'dlq list [--topic T] [--json]',
    async ({ client, values, io }) => {
      const topic = typeof values.topic === 'string' ? values.topic : undefined;
      if (topic !== undefined && !isTopic(topic))
        throw new ValidationError('options', [{ path: '--topic', message: `must be one of ${TOPICS.join(', ')}` }]);
      const letters = (await client.get(`/api/dead-letters${topic ? `?topic=${topic}` : ''}`)) as DeadLetterView[];
      if (values.json) return void io.out(JSON.stringify(letters, null, 2));
      if (letters.length === 0) return void io.out('no dead letters');
      for (const line of table([
        ['id', 'topic', 'subscription', 'attempts', 'dead at', 'last failure'],
        ...letters.map((d) => [
          d.id ?? d.messageId,
          d.topic,
          d.subscription,
          String(d.attempts),
          d.deadAt,
          (d.reason ?? '-').slice(0, 90),
        ]),
      ]))
        io.out(line);
    },
    { topic: { type: 'string' } },
  ),
  operatorCommand(
    ['dlq', 'replay'],
    'Publish dead-lettered messages again with their original attributes; the ledger still gives one effect per message.',
    'dlq replay --id ID[,ID...] | --topic T | --all [--json]',
    async ({ client, values, io }) => {
      const result = (await client.post(
        '/api/dead-letters/replay',
        replaySelector({ id: values.id, topic: values.topic, all: values.all }),
      )) as { replayed: number; skipped: unknown };
      if (values.json) return void io.out(JSON.stringify(result, null, 2));
      io.out(
        `replayed ${result.replayed} message(s)${Array.isArray(result.skipped) && result.skipped.length > 0 ? `; skipped ${JSON.stringify(result.skipped)}` : ''}`,
      );
    },
    { id: { type: 'string' }, topic: { type: 'string' }, all: { type: 'boolean' } },
  ),
];
