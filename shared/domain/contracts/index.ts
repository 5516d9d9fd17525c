/** Message contracts of every topic: zod schemas, closed vocabularies, decoded payload types. */
export * from './common.js';
export * from './zod-issues.js';
export * from './data-landed.js';
export * from './retrain-requests.js';
export * from './pipeline-events.js';
export * from './promotions.js';
export * from './drift-alerts.js';
export * from './monitoring-incident.js';
export * from './vertex-anomaly.js';
export * from './lifecycle-events.js';
export * from './topic-contracts.js';
export * from './json-schema.js';
export * from './topic-docs.js';
