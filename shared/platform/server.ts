/**
 * The local platform: one process running the four functions on the embedded bus, the worker
 * pipeline runner, the prediction endpoint, the JSON API, the landing-folder watcher, the local
 * scheduler and a plain status page. `startPlatform` is used by `npm start`, the demo and tests.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { COLLECTIONS } from '../domain/state.js';
import { createLocalStack, type LocalStack, type LocalStackOptions } from '../composition/local.js';
import { generateSampleCsv } from '../ml/sample-data.generator.js';
import { createApi, type EventFeed } from './http-api.js';
import { sendJson } from './http-util.js';
import { watchLanding } from './landing-watcher.js';
import { localJobs, startScheduler } from './scheduler.js';
import { STATUS_PAGE } from './status-page.js';
import { serveConsole } from './console-assets.js';

/** A running platform. */
export interface Platform {
  stack: LocalStack;
  server: Server;
  url: string;
  landingDir: string;
  webhookToken: string;
  /** Publish data-landed for stable CSVs in the landing folder now (tests and the demo). */
  scanLanding(): Promise<number>;
  close(): Promise<void>;
}

/** Options beyond configuration. */
export interface PlatformOptions extends LocalStackOptions {
  /** Run the timers (monitor, reconciler, scheduled retrain); the demo drives ticks itself. */
  scheduler?: boolean;
  /** Poll the landing folder (default true). */
  watchLanding?: boolean;
}

/** Start the platform on `config.port` (0 picks a free port). */
export async function startPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const stack = await createLocalStack(config, options);
  const logger = stack.deps.logger;
  const landingDir = join(stack.dataDir, 'landing');
  mkdirSync(landingDir, { recursive: true });
  const webhookToken = config.webhookToken ?? randomBytes(18).toString('base64url');
  const listeners = new Set<(event: unknown) => void>();
  const feed: EventFeed = { subscribe: (send) => (listeners.add(send), () => listeners.delete(send)) };
  stack.bus.subscribe('lifecycle-events', 'platform-live-feed', async (event) => {
    const data = JSON.parse(Buffer.from(event.data.message.data, 'base64').toString('utf8')) as unknown;
    for (const send of listeners) send(data);
  });
  stack.registerFunctions();
  const api = createApi(stack, { webhookToken, feed });
  const predict = stack.predictionHandler;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void (async () => {
      if (url.pathname === '/' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(STATUS_PAGE);
        return;
      }
      if (await serveConsole(req, res, url)) return;
      if (await api(req, res, url)) return;
      if (await predict(req, res)) return;
      sendJson(res, 404, { error: { code: 'HTTP.NOT_FOUND', message: `${req.method} ${url.pathname} is not a route of the local platform` } });
    })().catch((err: unknown) => {
      logger.log('ERROR', `request failed: ${String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL', message: String(err) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(config.port, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : config.port}`;

  await restoreServing(stack);
  if (config.bootstrapSampleData && readdirSync(landingDir).length === 0 && (await stack.store.query(COLLECTIONS.models, { limit: 1 })).length === 0) {
    writeFileSync(join(landingDir, 'sample-initial.csv'), generateSampleCsv({ seed: 42 }));
    logger.log('INFO', `first start: generated the sample dataset in ${landingDir}`);
  }
  const watcher = watchLanding({ dir: landingDir, bus: stack.bus, logger, modelId: config.modelId, intervalMs: options.watchLanding === false ? 3_600_000 : 1000 });
  const stopScheduler = options.scheduler === false ? () => undefined : startScheduler(stack.bus, logger, localJobs(config.modelId, {
    monitorMs: config.monitorIntervalSeconds * 1000, reconcileMs: config.reconcileIntervalSeconds * 1000, retrainMs: config.scheduledRetrainHours * 3_600_000,
  }));
  return {
    stack, server, url, landingDir, webhookToken, scanLanding: () => watcher.scan(),
    async close() {
      watcher.stop();
      stopScheduler();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stack.close();
    },
  };
}

/** After a restart the in-process endpoint is empty: re-apply the stored desired deployments. */
async function restoreServing(stack: LocalStack): Promise<void> {
  for (const { id } of await stack.store.query(COLLECTIONS.deployments)) {
    await stack.deps.effects['apply-deployment']({ type: 'apply-deployment', payload: { endpointId: id } });
  }
}
