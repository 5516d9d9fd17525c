/**
 * The local platform: one process running the four functions on the embedded bus, the worker
 * pipeline runner, the prediction endpoint, the JSON API, the console, the landing-folder watcher,
 * the local scheduler and the chat notifications. `startPlatform` is used by `npm start`, the demo and tests.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { AppError, errorMessage } from '../domain/errors.js';
import { COLLECTIONS } from '../domain/state.js';
import { createLocalStack, type LocalStack, type LocalStackOptions } from '../composition/local.js';
import { webhookNotifier } from '../composition/platform.js';
import type { Logger } from '../ports/logger.js';
import type { Notifier } from '../ports/notifier.js';
import { generateSampleCsv } from '../ml/sample-data.generator.js';
import { operatorAuth } from './auth.js';
import { serveConsole } from './console-assets.js';
import { busDeadLetterAdmin } from './dead-letters.js';
import { createGuard } from './guard.js';
import { createApi, type EventFeed } from './http-api.js';
import { SECURITY_HEADERS, sendJson, sendRedirect } from './http-util.js';
import { watchLanding } from './landing-watcher.js';
import { subscribeLiveFeed, subscribeNotifications } from './lifecycle-feed.js';
import { localJobs, startScheduler } from './scheduler.js';
import { loadOrCreateSecret, type Secret } from './secrets.js';
import { STATUS_PAGE } from './status-page.js';

/** A running platform. */
export interface Platform {
  stack: LocalStack;
  server: Server;
  url: string;
  landingDir: string;
  /** The operator token (bearer for the API and CLI, login for the console) and where it is kept. */
  operatorToken: Secret;
  webhookToken: string;
  /** Whether lifecycle events are sent to a chat webhook. */
  notifying: boolean;
  /** Lifecycle events as they are published (what the console's event stream carries). */
  events: EventFeed;
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
  /** The chat notifier (default: the IPO_NOTIFY_WEBHOOK_URL webhook when configured). */
  notifier?: Notifier;
}

/** Start the platform on `config.bindAddress:config.port` (port 0 picks a free port). */
export async function startPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  // Routes are attached once the stack is up; until then the server answers 503.
  const serving: { routes?: (req: IncomingMessage, res: ServerResponse) => Promise<void>; logger?: Logger } = {};
  const server = createServer((req, res) => {
    if (!serving.routes)
      return sendJson(res, 503, { error: { code: 'PLATFORM.STARTING', message: 'the platform is starting' } });
    serving.routes(req, res).catch((err: unknown) => {
      serving.logger?.log('ERROR', `request failed: ${errorMessage(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL', message: errorMessage(err) } });
    });
  });
  // The port first: a second `npm start` on a busy port must fail before it opens (and recovers) the first one's databases.
  const port = await listen(server, config.bindAddress, config.port);
  let stack: LocalStack;
  try {
    stack = await createLocalStack(config, options);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
  const logger = stack.deps.logger;
  serving.logger = logger;
  const host = config.bindAddress.includes(':') ? `[${config.bindAddress}]` : config.bindAddress;
  const url = `http://${host}:${port}`;
  const landingDir = join(stack.dataDir, 'landing');
  mkdirSync(landingDir, { recursive: true });
  const operatorToken = loadOrCreateSecret(stack.dataDir, 'operatorToken', config.operatorToken);
  const webhookToken = loadOrCreateSecret(stack.dataDir, 'webhookToken', config.webhookToken).value;
  const auth = operatorAuth(operatorToken.value, port);
  const guard = createGuard({ auth, bindAddress: config.bindAddress, port });
  const feed = subscribeLiveFeed(stack.bus);
  const notifier =
    options.notifier ?? (config.notifyWebhookUrl === undefined ? undefined : webhookNotifier(config.notifyWebhookUrl));
  if (notifier)
    subscribeNotifications(stack.bus, {
      notifier,
      logger,
      consoleUrl: `${url}/console/`,
      subscription: options.subscription,
    });
  stack.registerFunctions();
  const api = createApi(stack, { auth, webhookToken, feed, deadLetters: busDeadLetterAdmin(stack.bus) });
  const predict = stack.predictionHandler;
  serving.routes = async (req, res) => {
    const reqUrl = new URL(req.url ?? '/', 'http://localhost');
    const verdict = guard(req, reqUrl);
    if (verdict.kind === 'refuse')
      return sendJson(
        res,
        verdict.status,
        { error: { code: verdict.code, message: verdict.message } },
        verdict.headers,
      );
    if (verdict.kind === 'login') return sendRedirect(res, verdict.location);
    if (reqUrl.pathname === '/' && req.method === 'GET') {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(STATUS_PAGE);
      return;
    }
    if (await serveConsole(req, res, reqUrl)) return;
    if (await api(req, res, reqUrl)) return;
    if (await predict(req, res)) return;
    sendJson(res, 404, {
      error: {
        code: 'HTTP.NOT_FOUND',
        message: `${req.method} ${reqUrl.pathname} is not a route of the local platform`,
      },
    });
  };

  await restoreServing(stack);
  if (
    config.bootstrapSampleData &&
    readdirSync(landingDir).length === 0 &&
    (await stack.store.query(COLLECTIONS.models, { limit: 1 })).length === 0
  ) {
    writeFileSync(join(landingDir, 'sample-initial.csv'), generateSampleCsv({ seed: 42 }));
    logger.log('INFO', `first start: generated the sample dataset in ${landingDir}`);
  }
  const watcher = watchLanding({
    dir: landingDir,
    bus: stack.bus,
    logger,
    modelId: config.modelId,
    intervalMs: options.watchLanding === false ? 3_600_000 : 1000,
  });
  const stopScheduler =
    options.scheduler === false
      ? () => undefined
      : startScheduler(
          stack.bus,
          logger,
          localJobs(config.modelId, {
            monitorMs: config.monitorIntervalSeconds * 1000,
            reconcileMs: config.reconcileIntervalSeconds * 1000,
            retrainMs: config.scheduledRetrainHours * 3_600_000,
          }),
        );
  return {
    stack,
    server,
    url,
    landingDir,
    operatorToken,
    webhookToken,
    notifying: notifier !== undefined,
    events: feed,
    scanLanding: () => watcher.scan(),
    async close() {
      watcher.stop();
      stopScheduler();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stack.close();
    },
  };
}

/** Listen; a busy port or an address this machine does not have is one clear error. Resolves the bound port. */
function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(
          new AppError(
            'PLATFORM.PORT_IN_USE',
            `port ${port} on ${address} is already in use (another ipo-mlops platform?); stop it or set PORT to a free port`,
            false,
          ),
        );
      else if (err.code === 'EADDRNOTAVAIL')
        reject(
          new AppError('PLATFORM.BAD_ADDRESS', `IPO_BIND_ADDRESS ${address} is not an address of this machine`, false),
        );
      else reject(err);
    });
    server.listen(port, address, () => {
      const bound = server.address();
      resolve(typeof bound === 'object' && bound !== null ? bound.port : port);
    });
  });
}

/** After a restart the in-process endpoint is empty: re-apply the stored desired deployments. */
async function restoreServing(stack: LocalStack): Promise<void> {
  for (const { id } of await stack.store.query(COLLECTIONS.deployments)) {
    await stack.deps.effects['apply-deployment']({ type: 'apply-deployment', payload: { endpointId: id } });
  }
}
