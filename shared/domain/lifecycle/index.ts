/** The pure lifecycle domain: state machines, policy, semver, gate, retrain, traffic, history, alerts, approvals, invariants, experiments. */
export * from './state-machines.js';
export * from './policy.js';
export * from './semver.js';
export * from './gate.js';
export * from './retrain-policy.js';
export * from './traffic.js';
export * from './champion-history.js';
export * from './alert-debounce.js';
export * from './approvals.js';
export * from './time.js';
export * from './alert-lifecycle.js';
export * from './policy-update.js';
export * from './invariants.js';
export * from './experiments.js';
export * from './command-signature.js';
