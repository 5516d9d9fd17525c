/**
 * Dead letters of the embedded bus for the API. Listing reads the bus's dead-letter table.
 * Replay belongs to runtime's `DeadLetters` port (`shared/ports/dead-letters.ts`, implemented by the
 * SQLite bus and a Pub/Sub adapter); until the stack carries it, replay answers 501 and says so.
 */
import type { Topic } from '../domain/topics.js';
import type { DeadLetterAdmin } from './api-commands.js';
import { HttpError } from './http-util.js';

/** What listing needs from the bus. */
export interface DeadLetterSource {
  deadLetters(topic?: Topic): unknown[];
}

/** Dead-letter operations over the embedded bus (listing only; see the file comment). */
export function busDeadLetterAdmin(bus: DeadLetterSource): DeadLetterAdmin {
  return {
    list: (options) => bus.deadLetters(options?.topic),
    replay: async () => {
      throw new HttpError(501, 'API.NOT_AVAILABLE', 'dead-letter replay is not available in this build: the bus has no DeadLetters port yet');
    },
  };
}
