/**
 * Entry point deployed to Cloud Functions gen2: registers the four functions (and the drift
 * webhook) with functions-framework. Dependencies are built lazily, once per cold start, from
 * configuration; the backend is chosen by IPO_BACKEND (gcp in production).
 */
import * as functions from '@google-cloud/functions-framework';
import { loadConfig } from '../shared/config.js';
import { entryPointOf, DRIFT_WEBHOOK_ENTRY_POINT } from '../shared/domain/topics.js';
import type { ServiceDeps } from '../shared/services/context.js';
import { onNewData } from './on-new-data/index.js';
import { onEvalComplete } from './on-eval-complete/index.js';
import { onPromotion } from './on-promotion/index.js';
import { onDriftAlert } from './on-drift-alert/index.js';
import { onDriftAlertWebhook } from './on-drift-alert/webhook.js';

let deps: Promise<ServiceDeps> | undefined;

/** Build the dependencies once per process (cold start), for the configured backend. */
function getDeps(): Promise<ServiceDeps> {
  deps ??= (async () => {
    const config = loadConfig();
    if (config.backend === 'gcp') {
      const { createGcpDeps } = await import('../shared/composition/gcp.js');
      return createGcpDeps(config);
    }
    const { createLocalStack } = await import('../shared/composition/local.js');
    return (await createLocalStack(config)).deps;
  })();
  return deps;
}

functions.cloudEvent(entryPointOf('on-new-data'), onNewData(getDeps));
functions.cloudEvent(entryPointOf('on-eval-complete'), onEvalComplete(getDeps));
functions.cloudEvent(entryPointOf('on-promotion'), onPromotion(getDeps));
functions.cloudEvent(entryPointOf('on-drift-alert'), onDriftAlert(getDeps));
functions.http(DRIFT_WEBHOOK_ENTRY_POINT, onDriftAlertWebhook(getDeps, async () => loadConfig().webhookToken));
