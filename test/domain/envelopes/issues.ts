/** Test helper: run a decoder expected to fail and return the ValidationError's issues. */
import { expect } from 'vitest';
import { ValidationError, type Issue } from '../../../shared/domain/errors.js';

/** The issues of the ValidationError `fn` throws (fails the test if it throws anything else or nothing). */
export function issuesOf(fn: () => unknown): Issue[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError, but decoding succeeded');
}

/** The paths of the issues `fn` throws. */
export function issuePaths(fn: () => unknown): string[] {
  return issuesOf(fn).map((i) => i.path);
}
