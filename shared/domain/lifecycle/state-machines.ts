/**
 * The guarded lifecycle state machines of runs, model versions and experiments. Every state change
 * goes through `assertTransition`, so an illegal transition is rejected, never applied.
 */
import { PermanentError } from '../errors.js';

/** States of a training run (`runs/{runId}`). A retry is a new run (`retryOf`), so `failed` is final. */
export const RUN_STATES = [
  'requested',
  'submitted',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'evaluated',
] as const;
/** A run state. */
export type RunState = (typeof RUN_STATES)[number];

/** States of a model version (`models/{modelId}/versions/{semver}`). */
export const VERSION_STATES = [
  'registered',
  'blessed',
  'rejected',
  'approved',
  'canary',
  'production',
  'rolled_back',
  'retired',
] as const;
/** A version state. */
export type VersionState = (typeof VERSION_STATES)[number];

/** States of an A/B or canary experiment (`experiments/{id}`). */
export const EXPERIMENT_STATES = ['running', 'concluded', 'aborted'] as const;
/** An experiment state. */
export type ExperimentState = (typeof EXPERIMENT_STATES)[number];

/** The entities that have a lifecycle. */
export const MACHINE_NAMES = ['run', 'version', 'experiment'] as const;
/** A machine name. */
export type MachineName = (typeof MACHINE_NAMES)[number];

/** The state union of each machine. */
export interface MachineStates {
  run: RunState;
  version: VersionState;
  experiment: ExperimentState;
}
/** The state type of machine `M`. */
export type StateOf<M extends MachineName> = MachineStates[M];

/** The guarded edges: the allowed successors of every state of every machine. */
export const TRANSITIONS: { readonly [M in MachineName]: { readonly [S in StateOf<M>]: readonly StateOf<M>[] } } = {
  run: {
    requested: ['submitted', 'failed', 'cancelled'],
    submitted: ['running', 'failed', 'cancelled'],
    running: ['succeeded', 'failed', 'cancelled'],
    succeeded: ['evaluated'],
    failed: [],
    cancelled: [],
    evaluated: [],
  },
  version: {
    registered: ['blessed', 'rejected'],
    // An operator may still reject or retire a blessed or approved version before it serves traffic.
    blessed: ['approved', 'rejected', 'retired'],
    // approved -> production only for a first model: with nothing serving there is nothing to canary against.
    approved: ['canary', 'production', 'rejected', 'retired'],
    canary: ['production', 'rolled_back'],
    production: ['retired', 'rolled_back'],
    rolled_back: ['retired'],
    rejected: [],
    // retired -> production: a rollback restores the last known-good version, which was retired when superseded.
    retired: ['production'],
  },
  experiment: {
    running: ['concluded', 'aborted'],
    concluded: [],
    aborted: [],
  },
};

/** The states of each machine, in lifecycle order. */
export const MACHINE_STATES: { readonly [M in MachineName]: readonly StateOf<M>[] } = {
  run: RUN_STATES,
  version: VERSION_STATES,
  experiment: EXPERIMENT_STATES,
};

/** Whether `value` is a state of `machine` (for documents read back from storage). */
export function isState<M extends MachineName>(machine: M, value: string): value is StateOf<M> {
  return (MACHINE_STATES[machine] as readonly string[]).includes(value);
}

/** The states reachable from `from` in one step. */
export function nextStates<M extends MachineName>(machine: M, from: StateOf<M>): readonly StateOf<M>[] {
  const row = TRANSITIONS[machine] as Readonly<Record<string, readonly StateOf<M>[]>>;
  return row[from] ?? [];
}

/** Whether `from -> to` is a legal transition of `machine`. */
export function canTransition<M extends MachineName>(machine: M, from: StateOf<M>, to: StateOf<M>): boolean {
  return isState(machine, from) && isState(machine, to) && nextStates(machine, from).includes(to);
}

/** Whether a state has no successors (rejected, retired, failed, ...). */
export function isTerminal<M extends MachineName>(machine: M, state: StateOf<M>): boolean {
  return nextStates(machine, state).length === 0;
}

/** Throw `LIFECYCLE.ILLEGAL_TRANSITION` (permanent) unless `from -> to` is legal; `id` names the entity in the message. */
export function assertTransition<M extends MachineName>(
  machine: M,
  from: StateOf<M>,
  to: StateOf<M>,
  id?: string,
): void {
  if (canTransition(machine, from, to)) return;
  const entity = id === undefined ? machine : `${machine} ${id}`;
  const allowed = isState(machine, from) ? nextStates(machine, from) : [];
  const why = !isState(machine, from)
    ? `unknown ${machine} state '${String(from)}'`
    : !isState(machine, to)
      ? `unknown ${machine} state '${String(to)}'`
      : allowed.length === 0
        ? `'${from}' is final`
        : `from '${from}' only ${allowed.join(', ')} ${allowed.length === 1 ? 'is' : 'are'} allowed`;
  throw new PermanentError(
    'LIFECYCLE.ILLEGAL_TRANSITION',
    `Illegal ${entity} transition ${String(from)} -> ${String(to)}: ${why}`,
    { entity: machine, id, from, to, allowed },
  );
}
