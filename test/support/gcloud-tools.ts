/**
 * Vitest-free helpers around the emulators, shared by the test harness (test/support/emulators.ts)
 * and the benchmarks: is gcloud there, a free port, a functions-framework push sink.
 */
import { accessSync, constants } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/** Whether the emulator suites can run: `gcloud` on PATH and not disabled by IPO_SKIP_EMULATORS=1. */
export function hasGcloud(): boolean {
  if (process.env.IPO_SKIP_EMULATORS === '1') return false;
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, 'gcloud'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A functions-framework server on 127.0.0.1 that Pub/Sub push subscriptions deliver to. */
export interface PushSink {
  port: number;
  /** Push endpoint for a topic; the path carries `projects/P/topics/T` so the framework can build `source`. */
  endpoint(projectId: string, topic: string): string;
  close(): Promise<void>;
}

/**
 * Register `handler` as a cloudEvent function with functions-framework and serve it with the
 * framework's own middleware (`getTestServer`), so raw push bodies are converted exactly as in production.
 */
export async function startPushSink(
  functionName: string,
  handler: (event: functions.CloudEvent<unknown>) => void | Promise<void>,
): Promise<PushSink> {
  functions.cloudEvent(functionName, handler);
  const server: Server = getTestServer(functionName);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    endpoint: (projectId, topic) => `http://127.0.0.1:${port}/projects/${projectId}/topics/${topic}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
