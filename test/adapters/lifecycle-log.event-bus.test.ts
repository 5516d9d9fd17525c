/** The lifecycle logging decorator: one `lifecycleEvent` log line per published event worth a human. */
import { describe, expect, it } from 'vitest';
import { ATTENTION_EVENTS, lifecycleLoggingBus } from '../../shared/adapters/gcp/lifecycle-log.event-bus.js';
import { memoryLogger } from '../../shared/logging.js';
import type { EventBus, OutgoingMessage } from '../../shared/ports/event-bus.js';
import { TransientError } from '../../shared/domain/errors.js';

function inner(fail = false): EventBus & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    publish: async (m) => {
      if (fail) throw new TransientError('BUS.UNAVAILABLE', 'down');
      sent.push(m);
      return `id-${sent.length}`;
    },
    close: async () => undefined,
  };
}

const lifecycle = (event: string) => ({
  topic: 'lifecycle-events' as const,
  data: {
    type: 'lifecycle.event',
    event,
    modelId: 'ipo',
    subject: { kind: 'version', id: '1.1.0' },
    actor: 'on-drift-alert',
    reason: 'R² fell',
    correlationId: 'c-9',
  },
});

describe('lifecycleLoggingBus', () => {
  it('logs each published event worth a human once, with the fields the log-based metric extracts', async () => {
    const bus = inner();
    const logger = memoryLogger();
    const wrapped = lifecycleLoggingBus(bus, logger);
    for (const event of [...ATTENTION_EVENTS, 'version.registered', 'run.requested'])
      await wrapped.publish(lifecycle(event));
    await wrapped.publish({ topic: 'promotions', data: { event: 'approval-needed' } });
    expect(bus.sent).toHaveLength(ATTENTION_EVENTS.length + 3);
    expect(logger.entries.map((e) => e.fields.lifecycleEvent)).toEqual([...ATTENTION_EVENTS]);
    expect(logger.entries[1]).toMatchObject({
      severity: 'WARNING',
      message: 'version.rolled-back: ipo version 1.1.0: R² fell',
      fields: { lifecycleEvent: 'version.rolled-back', modelId: 'ipo', correlationId: 'c-9', messageId: 'id-2' },
    });
    expect(logger.entries[0].severity).toBe('INFO');
  });

  it('logs nothing when the publish fails (the outbox will publish, and log, again)', async () => {
    const logger = memoryLogger();
    await expect(lifecycleLoggingBus(inner(true), logger).publish(lifecycle('run.failed'))).rejects.toMatchObject({
      code: 'BUS.UNAVAILABLE',
    });
    expect(logger.entries).toEqual([]);
  });
});
