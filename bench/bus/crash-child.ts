/**
 * The process the durability check kills: it runs the chain on `<dir>` and publishes messages
 * 0..n-1 in small batches, printing `committed K` once messages 0..K-1 are committed.
 * Usage: node --import tsx bench/bus/crash-child.ts DIR NORMAL|FULL N TAG
 */
import { SYNCHRONOUS_LEVELS, type SynchronousLevel } from '../../shared/adapters/local/sqlite/open.js';
import { firstMessage } from './chain.js';
import { stamping } from '../support/stamping.js';
import { openEmbeddedChain } from './embedded.js';

const [dir, level, count, tag] = process.argv.slice(2);
if (!SYNCHRONOUS_LEVELS.includes(level as SynchronousLevel))
  throw new Error(`usage: crash-child DIR NORMAL|FULL N TAG (got ${level})`);
const chain = openEmbeddedChain(dir, level as SynchronousLevel);
const publisher = stamping(chain.bus);
const n = Number(count);
for (let i = 0; i < n; i += 25) {
  await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, k) => publisher.publish(firstMessage(i + k, tag))));
  process.stdout.write(`committed ${Math.min(n, i + 25)}\n`);
}
await chain.bus.whenIdle();
process.stdout.write('idle\n');
await chain.close();
