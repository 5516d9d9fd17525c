/**
 * Entry point deployed to Cloud Functions gen2: registers the four functions (and the drift
 * webhook) with functions-framework. The backend is chosen by IPO_BACKEND (gcp in production).
 *
 * Fail fast: configuration and dependencies are built while this module loads (cold start), for the
 * entry point the runtime serves (FUNCTION_TARGET). If that fails, the process writes ONE JSON line
 * (severity CRITICAL, the error code, every bad variable) and exits with status 78 before
 * functions-framework listens: Cloud Run's startup probe never succeeds, so the new revision never
 * becomes ready and traffic stays on the previous one. (Throwing would also end the process, since
 * the framework's loader catches it and exits 1, but only after printing a multi-line, non-JSON stack.)
 * SDKs stay lazily loaded: building dependencies constructs adapters, it does not import SDKs.
 */
import * as functions from '@google-cloud/functions-framework';
import { loadConfig, servedEntryPoint, targetOf, type Config } from '../shared/config.js';
import { entryPointOf, DRIFT_WEBHOOK_ENTRY_POINT } from '../shared/domain/topics.js';
import { startupFailureEntry, traceFromCloudEvent, traceFromHeaders, withTrace } from '../shared/logging.js';
import type { CloudEventHandler, DepsProvider } from '../shared/services/edge.js';
import type { GcpActualsDeps } from '../shared/composition/gcp.js';
import { onNewData } from './on-new-data/index.js';
import { onEvalComplete } from './on-eval-complete/index.js';
import { onPromotion } from './on-promotion/index.js';
import { onDriftAlert } from './on-drift-alert/index.js';
import { onDriftAlertWebhook } from './on-drift-alert/webhook.js';

/** What the registered handlers use, built once per cold start. */
interface Runtime {
  getDeps: DepsProvider;
  /** The actuals ingestion handler's dependencies (entry point `ingestActuals`). */
  getActualsDeps: () => Promise<GcpActualsDeps>;
  webhookToken?: string;
}

/** Exit status of a process that cannot start because of its configuration (sysexits EX_CONFIG). */
export const EXIT_CONFIG = 78;

async function start(config: Config): Promise<Runtime> {
  if (config.backend === 'gcp') {
    const { createGcpActualsDeps, createGcpRuntime } = await import('../shared/composition/gcp.js');
    if (targetOf(config.functionTarget) === 'ingest-actuals') {
      // The actuals function gets the prediction log only; no event function runs in this process.
      const actuals = await createGcpActualsDeps(config);
      return {
        getDeps: () => Promise.reject(new Error('ingestActuals serves no event function')),
        getActualsDeps: async () => actuals,
      };
    }
    const runtime = await createGcpRuntime(config);
    const actuals = { log: runtime.deps.predictionLog, modelId: config.modelId, clock: runtime.deps.clock };
    return {
      getDeps: async () => runtime.deps,
      getActualsDeps: async () => actuals,
      ...(runtime.webhookToken === undefined ? {} : { webhookToken: runtime.webhookToken }),
    };
  }
  const { createLocalStack } = await import('../shared/composition/local.js');
  const { deps } = await createLocalStack(config);
  const actuals = { log: deps.predictionLog, modelId: config.modelId, clock: deps.clock };
  return {
    getDeps: async () => deps,
    getActualsDeps: async () => actuals,
    ...(config.webhookToken === undefined ? {} : { webhookToken: config.webhookToken }),
  };
}

async function startOrExit(): Promise<Runtime> {
  try {
    return await start(loadConfig());
  } catch (err) {
    process.stderr.write(`${JSON.stringify(startupFailureEntry(err, servedEntryPoint() ?? 'ipo-mlops functions'))}\n`);
    process.exit(EXIT_CONFIG);
  }
}

/** Run a CloudEvent handler inside the event's trace (functions-framework copies `traceparent` onto it). */
function traced(handler: CloudEventHandler): (event: functions.CloudEvent<unknown>) => Promise<void> {
  return (event) => withTrace(traceFromCloudEvent(event), () => handler(event));
}

/** Run an HTTP handler inside the request's trace (`traceparent`, else `X-Cloud-Trace-Context`). */
function tracedHttp(handler: functions.HttpFunction): functions.HttpFunction {
  return (req, res) => withTrace(traceFromHeaders(req.headers), () => handler(req, res));
}

const runtime = await startOrExit();

functions.cloudEvent(entryPointOf('on-new-data'), traced(onNewData(runtime.getDeps)));
functions.cloudEvent(entryPointOf('on-eval-complete'), traced(onEvalComplete(runtime.getDeps)));
functions.cloudEvent(entryPointOf('on-promotion'), traced(onPromotion(runtime.getDeps)));
functions.cloudEvent(entryPointOf('on-drift-alert'), traced(onDriftAlert(runtime.getDeps)));
functions.http(
  DRIFT_WEBHOOK_ENTRY_POINT,
  tracedHttp(onDriftAlertWebhook(runtime.getDeps, async () => runtime.webhookToken)),
);
