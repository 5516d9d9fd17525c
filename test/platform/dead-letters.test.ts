/** The API's dead-letter admin: through runtime's DeadLetters port when the bus has it, listing only otherwise. */
import { describe, expect, it } from 'vitest';
import type { ReplaySelector } from '../../shared/platform/api-commands.js';
import { busDeadLetterAdmin, type DeadLetterQueue } from '../../shared/platform/dead-letters.js';

const letter = {
  id: '7',
  topic: 'promotions',
  subscription: 'on-promotion',
  messageId: 'm-1',
  attempts: 5,
  deadAt: '2026-01-01T00:00:00.000Z',
};

describe('dead-letter admin', () => {
  it("lists and replays through the bus's DeadLetters port", async () => {
    const replayed: ReplaySelector[] = [];
    const listed: unknown[] = [];
    const queue: DeadLetterQueue = {
      list: async (options) => (listed.push(options), [letter]),
      replay: async (selector) => (replayed.push(selector), { replayed: 1, skipped: [] }),
    };
    const admin = busDeadLetterAdmin({ deadLetters: () => [], deadLetterQueue: () => queue });
    expect(await admin.list({ topic: 'promotions' })).toEqual([letter]);
    expect(listed).toEqual([{ topic: 'promotions' }]);
    expect(await admin.replay({ ids: ['7'] })).toEqual({ replayed: 1, skipped: [] });
    expect(replayed).toEqual([{ ids: ['7'] }]);
  });

  it("without the port lists the bus's table and answers replay with 501 saying why", async () => {
    const admin = busDeadLetterAdmin({ deadLetters: (topic) => (topic === 'promotions' ? [letter] : []) });
    expect(await admin.list({ topic: 'promotions' })).toEqual([letter]);
    expect(await admin.list({ topic: 'drift-alerts' })).toEqual([]);
    await expect(admin.replay({ all: true })).rejects.toMatchObject({ status: 501, code: 'API.NOT_AVAILABLE' });
  });
});
