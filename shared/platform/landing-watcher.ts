/**
 * A landing folder watched like a bucket: a CSV that appears (and stops growing) emits
 * `data-landed`, keyed on name + modification time + size the way GCS keys on generation.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EventBus } from '../ports/event-bus.js';
import type { Logger } from '../ports/logger.js';

/** Options of the watcher. */
export interface LandingWatcherOptions {
  dir: string;
  bus: EventBus;
  logger: Logger;
  modelId: string;
  intervalMs?: number;
}

/** Start polling; returns a stop function. Polling (not fs.watch) behaves the same on every file system. */
export function watchLanding(options: LandingWatcherOptions): { stop(): void; scan(): Promise<number> } {
  const sizes = new Map<string, string>();
  const published = new Set<string>();
  const scan = async (): Promise<number> => {
    let count = 0;
    for (const name of readdirSync(options.dir)
      .filter((n) => n.toLowerCase().endsWith('.csv'))
      .sort()) {
      const path = join(options.dir, name);
      let stat;
      try {
        stat = statSync(path);
      } catch {
        continue; // removed between readdir and stat
      }
      const generation = `${Math.trunc(stat.mtimeMs)}-${stat.size}`;
      const previous = sizes.get(name);
      sizes.set(name, generation);
      if (previous !== generation) continue; // still being written, or first sight: wait one interval for a stable size
      const key = `local-folder:${name}#${generation}`;
      if (published.has(key)) continue;
      await options.bus.publish({
        topic: 'data-landed',
        data: {
          type: 'data.landed',
          modelId: options.modelId,
          dataUri: pathToFileURL(path).href,
          source: 'local-folder',
          idempotencyKey: key,
          sizeBytes: stat.size,
        },
        attributes: { idempotencyKey: key },
      });
      published.add(key);
      options.logger.log('INFO', `landing: ${name} -> data-landed`, { correlationId: key });
      count += 1;
    }
    return count;
  };
  const timer = setInterval(
    () => void scan().catch((err: unknown) => options.logger.log('ERROR', `landing scan failed: ${String(err)}`)),
    options.intervalMs ?? 1000,
  );
  return { stop: () => clearInterval(timer), scan };
}
