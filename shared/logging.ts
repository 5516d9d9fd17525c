/**
 * Structured JSON logging in Cloud Logging's format: one JSON object per line with `severity`,
 * `message` and the correlation id as a label, so Cloud Logging indexes it without an agent.
 */
import type { LogFields, Logger, Severity } from './ports/logger.js';

const rank: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

/** A logger writing JSON lines to a sink (stdout by default). */
export function jsonLogger(minimum: Severity = 'INFO', sink: (line: string) => void = (l) => process.stdout.write(l + '\n')): Logger {
  return {
    log(severity, message, fields: LogFields = {}) {
      if (rank[severity] < rank[minimum]) return;
      const { correlationId, ...rest } = fields;
      const entry: Record<string, unknown> = { severity, message, time: new Date().toISOString(), ...rest };
      if (correlationId !== undefined) entry['logging.googleapis.com/labels'] = { correlationId };
      sink(JSON.stringify(entry));
    },
  };
}

/** A logger that keeps entries in memory (tests) and optionally forwards them. */
export function memoryLogger(): Logger & { entries: { severity: Severity; message: string; fields: LogFields }[] } {
  const entries: { severity: Severity; message: string; fields: LogFields }[] = [];
  return { entries, log: (severity, message, fields = {}) => void entries.push({ severity, message, fields }) };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { log: () => undefined };
