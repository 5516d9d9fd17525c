/**
 * The error model. Codes are strings that survive process boundaries (logs, ledger entries,
 * HTTP bodies); `retryable` decides whether a handler lets the platform redeliver.
 */

/** One problem found in an input, with the path of the offending field. */
export interface Issue {
  /** Dotted path of the field, e.g. `message.data` or `traffic.1.0.0`; empty for the root. */
  path: string;
  /** What is wrong, in words an operator can act on. */
  message: string;
}

/** Base class of every error the system raises on purpose. */
export class AppError extends Error {
  /** Stable code, e.g. `CONTRACT.INVALID`, `STATE.CONFLICT`. */
  readonly code: string;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** Structured details (issues, ids) for logs and API bodies. */
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, retryable: boolean, details: Record<string, unknown> = {}) {
    super(message);
    this.name = retryable ? 'TransientError' : 'PermanentError';
    this.code = code;
    this.retryable = retryable;
    this.details = details;
  }
}

/** An error that will not go away by retrying: bad input, illegal transition, unknown entity. */
export class PermanentError extends AppError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, false, details);
  }
}

/** An error that may go away: unavailable dependency, contention, timeout. */
export class TransientError extends AppError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, true, details);
  }
}

/** Input that failed validation; lists every problem with its field path. */
export class ValidationError extends PermanentError {
  /** Every problem found, not only the first. */
  readonly issues: Issue[];

  constructor(what: string, issues: Issue[], code = 'CONTRACT.INVALID') {
    super(code, `${what} is invalid: ${formatIssues(issues)}`, { issues });
    this.issues = issues;
  }
}

/** Render issues as `path: message; path: message`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.path === '' ? '(root)' : i.path}: ${i.message}`).join('; ');
}

/** Whether an unknown thrown value should be retried; unknown errors are treated as transient. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AppError) return err.retryable;
  return true;
}

/** The code of an unknown thrown value. */
export function errorCode(err: unknown): string {
  return err instanceof AppError ? err.code : 'INTERNAL.UNEXPECTED';
}

/** The message of an unknown thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
