import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/domain/errors.js';
import {
  EXPERIMENT_STATES,
  MACHINE_STATES,
  RUN_STATES,
  VERSION_STATES,
  assertTransition,
  canTransition,
  isState,
  isTerminal,
  nextStates,
  type MachineName,
  type StateOf,
} from '../../../shared/domain/lifecycle/state-machines.js';

// Spelled out independently of TRANSITIONS so a change to the table has to change this list too.
const LEGAL: Record<MachineName, string[]> = {
  run: [
    'requested>submitted',
    'requested>failed',
    'requested>cancelled',
    'submitted>running',
    'submitted>failed',
    'submitted>cancelled',
    'running>succeeded',
    'running>failed',
    'running>cancelled',
    'succeeded>evaluated',
  ],
  version: [
    'registered>blessed',
    'registered>rejected',
    'blessed>approved',
    'blessed>rejected',
    'blessed>retired',
    'approved>canary',
    'approved>production',
    'approved>rejected',
    'approved>retired',
    'canary>production',
    'canary>rolled_back',
    'production>retired',
    'production>rolled_back',
    'rolled_back>retired',
    'retired>production',
  ],
  experiment: ['running>concluded', 'running>aborted'],
};

function pairs<M extends MachineName>(machine: M): [StateOf<M>, StateOf<M>][] {
  const states = MACHINE_STATES[machine];
  return states.flatMap((from) => states.map((to): [StateOf<M>, StateOf<M>] => [from, to]));
}

describe.each(['run', 'version', 'experiment'] as const)('%s machine', (machine) => {
  const all = pairs(machine);
  const legal = all.filter(([f, t]) => LEGAL[machine].includes(`${f}>${t}`));
  const illegal = all.filter(([f, t]) => !LEGAL[machine].includes(`${f}>${t}`));

  it('has exactly the documented legal edges', () => {
    expect(legal.map(([f, t]) => `${f}>${t}`).sort()).toEqual([...LEGAL[machine]].sort());
  });

  it.each(legal)('allows %s -> %s', (from, to) => {
    expect(canTransition(machine, from, to)).toBe(true);
    expect(() => assertTransition(machine, from, to)).not.toThrow();
  });

  it.each(illegal)('rejects %s -> %s', (from, to) => {
    expect(canTransition(machine, from, to)).toBe(false);
    let caught: unknown;
    try {
      assertTransition(machine, from, to, 'x-1');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PermanentError);
    const err = caught as PermanentError;
    expect(err.code).toBe('LIFECYCLE.ILLEGAL_TRANSITION');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`${machine} x-1`);
    expect(err.message).toContain(`${from} -> ${to}`);
    expect(err.details).toMatchObject({ entity: machine, from, to });
  });
});

describe('state helpers', () => {
  it('lists the states in lifecycle order', () => {
    expect(RUN_STATES[0]).toBe('requested');
    expect(VERSION_STATES[0]).toBe('registered');
    expect(EXPERIMENT_STATES[0]).toBe('running');
  });

  it('recognises states read back from storage', () => {
    expect(isState('version', 'canary')).toBe(true);
    expect(isState('version', 'staging')).toBe(false);
    expect(isState('run', 'canary')).toBe(false);
  });

  it('rejects unknown states with a message naming them', () => {
    expect(canTransition('version', 'staging' as 'blessed', 'approved')).toBe(false);
    expect(() => assertTransition('version', 'staging' as 'blessed', 'approved')).toThrow(
      /unknown version state 'staging'/,
    );
    expect(() => assertTransition('version', 'blessed', 'staging' as 'approved')).toThrow(
      /unknown version state 'staging'/,
    );
  });

  it('explains what is allowed or that the state is final', () => {
    expect(() => assertTransition('version', 'canary', 'approved')).toThrow(/only production, rolled_back are allowed/);
    expect(() => assertTransition('version', 'rejected', 'production')).toThrow(/'rejected' is final/);
  });

  it('knows the terminal states', () => {
    expect(VERSION_STATES.filter((s) => isTerminal('version', s))).toEqual(['rejected']);
    expect(RUN_STATES.filter((s) => isTerminal('run', s))).toEqual(['failed', 'cancelled', 'evaluated']);
    expect(nextStates('experiment', 'running')).toEqual(['concluded', 'aborted']);
  });
});
