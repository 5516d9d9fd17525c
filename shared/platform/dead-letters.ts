/**
 * Dead letters of the embedded bus for the API. When the bus offers runtime's `DeadLetters` port
 * (`deadLetterQueue()`, shared/ports/dead-letters.ts) listing and replay go through it; a bus without
 * it (builds before that work) can list but answers replay with 501 and says so.
 */
import type { Topic } from '../domain/topics.js';
import type { DeadLetterAdmin, ReplaySelector } from './api-commands.js';
import { HttpError } from '../http.js';

/** The shape of runtime's `DeadLetters` port that the API uses. */
export interface DeadLetterQueue {
  list(options?: { topic?: Topic; limit?: number }): Promise<unknown[]>;
  replay(selector: ReplaySelector): Promise<{ replayed: number; skipped: unknown }>;
}

/** What the admin needs from the bus. */
export interface DeadLetterSource {
  deadLetters(topic?: Topic): unknown[];
  /** Runtime's DeadLetters port, on buses that have it. */
  deadLetterQueue?(): DeadLetterQueue;
}

/** Dead-letter operations over the embedded bus (see the file comment). */
export function busDeadLetterAdmin(bus: DeadLetterSource): DeadLetterAdmin {
  const queue = bus.deadLetterQueue?.();
  if (queue) return { list: (options) => queue.list(options), replay: (selector) => queue.replay(selector) };
  return {
    list: (options) => bus.deadLetters(options?.topic),
    replay: async () => {
      throw new HttpError(
        501,
        'API.NOT_AVAILABLE',
        'dead-letter replay is not available in this build: the bus has no DeadLetters port yet',
      );
    },
  };
}
