/** Logger port: structured logs. On Google Cloud these are JSON lines in Cloud Logging's format. */

/** Cloud Logging severities used here. */
export const SEVERITIES = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
/** A severity. */
export type Severity = (typeof SEVERITIES)[number];

/** Structured fields; `correlationId` is always carried when known. */
export type LogFields = Record<string, unknown> & { correlationId?: string };

/** The logger. */
export interface Logger {
  log(severity: Severity, message: string, fields?: LogFields): void;
}
