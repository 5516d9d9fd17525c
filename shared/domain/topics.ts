/**
 * The single source of truth for topic and function names. Terraform tests, the local bus,
 * the Pub/Sub adapter and the CLI all read these lists; nothing else spells a topic name.
 */

/** Every Pub/Sub topic the system publishes to or consumes from. */
export const TOPICS = [
  'data-landed',
  'retrain-requests',
  'pipeline-events',
  'promotions',
  'drift-alerts',
  'lifecycle-events',
] as const;
/** A topic name. */
export type Topic = (typeof TOPICS)[number];

/** The four Cloud Functions of the design card. */
export const FUNCTION_NAMES = ['on-new-data', 'on-eval-complete', 'on-promotion', 'on-drift-alert'] as const;
/** A function name. */
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Which topics each function consumes (one Eventarc trigger / push subscription per pair). */
export const FUNCTION_TOPICS: Readonly<Record<FunctionName, readonly Topic[]>> = {
  'on-new-data': ['data-landed', 'retrain-requests'],
  'on-eval-complete': ['pipeline-events'],
  'on-promotion': ['promotions'],
  'on-drift-alert': ['drift-alerts'],
};

/** Which topics each function may publish to (used for least-privilege grants and tests). */
export const FUNCTION_PUBLISHES: Readonly<Record<FunctionName, readonly Topic[]>> = {
  'on-new-data': ['lifecycle-events', 'pipeline-events'],
  'on-eval-complete': ['lifecycle-events', 'promotions', 'retrain-requests'],
  // An approval queues the follow-up canary / promote command on its own topic.
  'on-promotion': ['lifecycle-events', 'promotions'],
  'on-drift-alert': ['lifecycle-events', 'retrain-requests', 'promotions'],
};

/** Topics with no consumer function (read by operators, chat bridges, audit sinks). */
export const OBSERVER_TOPICS: readonly Topic[] = ['lifecycle-events'];

/** The dead-letter topic paired with a consumed topic. */
export function deadLetterTopic(topic: Topic): string {
  return `${topic}-dead-letter`;
}

/** Whether a string names a known topic. */
export function isTopic(value: string): value is Topic {
  return (TOPICS as readonly string[]).includes(value);
}

/** The functions-framework target name of a function (camelCase, as registered in functions/index.ts). */
export function entryPointOf(fn: FunctionName): string {
  return fn.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The HTTP entry point of the drift webhook (Cloud Monitoring webhook_tokenauth channel). */
export const DRIFT_WEBHOOK_ENTRY_POINT = 'onDriftAlertWebhook';
