/** Envelope decoders: CloudEvents, push bodies, Storage events, webhook bodies -> validated topic payloads. */
export * from './decoded.js';
export * from './cloud-event.js';
export * from './push-body.js';
export * from './storage-event.js';
export * from './topic-message.js';
export * from './topic-payload.js';
export * from './monitoring-webhook.js';
export * from './validate-command.js';
export * from './pubsub-cloud-event.js';
export * from './delivery.js';
export { decodeBase64, parseJsonText, isJsonObject, type JsonObject } from './json-value.js';
export { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES, quoteInput } from './limits.js';
