/** The platform's live feed of lifecycle events (console stream, terminal lines): each message shown once. */
import { describe, expect, it } from 'vitest';
import { subscribeLiveFeed, type BusDelivery, type LifecycleSource } from '../../shared/platform/lifecycle-feed.js';

function fakeBus(): LifecycleSource & { deliver(data: unknown, id: string): Promise<void> } {
  let handler: ((event: BusDelivery) => Promise<void>) | undefined;
  return {
    subscribe: (_topic, _subscription, h) => ((handler = h), () => undefined),
    deliver: async (data, id) =>
      handler?.({
        data: {
          message: {
            data: Buffer.from(JSON.stringify(data)).toString('base64'),
            messageId: `m-${id}`,
            attributes: { idempotencyKey: id },
          },
        },
      }),
  };
}

describe('live feed', () => {
  it('passes every event to every listener, and a redelivered message only once', async () => {
    const bus = fakeBus();
    const feed = subscribeLiveFeed(bus);
    const a: unknown[] = [];
    const b: unknown[] = [];
    feed.subscribe((e) => a.push(e));
    const stop = feed.subscribe((e) => b.push(e));
    await bus.deliver({ event: 'version.blessed' }, 'k1');
    await bus.deliver({ event: 'version.blessed' }, 'k1');
    await bus.deliver({ event: 'version.promoted' }, 'k2');
    stop();
    await bus.deliver({ event: 'traffic.changed' }, 'k3');
    expect(a).toEqual([{ event: 'version.blessed' }, { event: 'version.promoted' }, { event: 'traffic.changed' }]);
    expect(b).toEqual([{ event: 'version.blessed' }, { event: 'version.promoted' }]);
  });
});
