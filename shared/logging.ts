/**
 * Structured JSON logging in Cloud Logging's format: one JSON object per line with `severity`,
 * `message` and the correlation id as a label, so Cloud Logging indexes it without an agent. Lines
 * written while handling a request carry its trace (`logging.googleapis.com/trace`, `spanId`,
 * `trace_sampled`) from the W3C `traceparent` or the `X-Cloud-Trace-Context` header, so Cloud
 * Logging groups them under the request and Cloud Trace links to them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogFields, Logger, Severity } from './ports/logger.js';
import { AppError, errorMessage, type Issue } from './domain/errors.js';

const rank: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

/** The trace a request belongs to: 32 hex digits of trace id, 16 of span id. */
export interface TraceContext {
  traceId: string;
  spanId?: string;
  sampled?: boolean;
}

/** W3C trace context: `VERSION-TRACEID-SPANID-FLAGS`, all lower-case hex; all-zero ids are invalid. */
export function parseTraceparent(value: unknown): TraceContext | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value.trim());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined;
  return { traceId: m[2], spanId: m[3], sampled: (parseInt(m[4], 16) & 1) === 1 };
}

/** Google's `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=OPTIONS` (span id decimal, 64-bit). */
export function parseCloudTraceContext(value: unknown): TraceContext | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^([0-9a-fA-F]{32})(?:\/(\d{1,20}))?(?:;o=([01]))?$/.exec(value.trim());
  if (!m || /^0+$/.test(m[1])) return undefined;
  const span = m[2] === undefined ? undefined : BigInt(m[2]);
  return {
    traceId: m[1].toLowerCase(),
    ...(span !== undefined && span > 0n && span < 2n ** 64n ? { spanId: span.toString(16).padStart(16, '0') } : {}),
    ...(m[3] === undefined ? {} : { sampled: m[3] === '1' }),
  };
}

/** The trace of an HTTP request: `traceparent` first, else `X-Cloud-Trace-Context` (header names are case-insensitive). */
export function traceFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): TraceContext | undefined {
  const header = (name: string): string | undefined => {
    const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
    return Array.isArray(found) ? found[0] : found;
  };
  return parseTraceparent(header('traceparent')) ?? parseCloudTraceContext(header('x-cloud-trace-context'));
}

/** The trace of a CloudEvent: functions-framework copies the `traceparent` header onto the event. */
export function traceFromCloudEvent(event: unknown): TraceContext | undefined {
  return typeof event === 'object' && event !== null
    ? parseTraceparent((event as { traceparent?: unknown }).traceparent)
    : undefined;
}

const current = new AsyncLocalStorage<TraceContext>();

/** Run `fn` with `trace` as the trace every logger line written inside it carries. */
export function withTrace<T>(trace: TraceContext | undefined, fn: () => T): T {
  return trace === undefined ? fn() : current.run(trace, fn);
}

/** Options of {@link jsonLogger}. */
export interface JsonLoggerOptions {
  /** Project of the trace resource name (`projects/P/traces/T`); without it no trace fields are written. */
  projectId?: string;
}

/** A logger writing JSON lines to a sink (stdout by default). */
export function jsonLogger(
  minimum: Severity = 'INFO',
  sink: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  options: JsonLoggerOptions = {},
): Logger {
  return {
    log(severity, message, fields: LogFields = {}) {
      if (rank[severity] < rank[minimum]) return;
      const { correlationId, ...rest } = fields;
      const entry: Record<string, unknown> = { severity, message, time: new Date().toISOString(), ...rest };
      if (correlationId !== undefined) entry['logging.googleapis.com/labels'] = { correlationId };
      Object.assign(entry, traceFields(current.getStore(), options.projectId));
      sink(JSON.stringify(entry));
    },
  };
}

function traceFields(trace: TraceContext | undefined, projectId: string | undefined): Record<string, unknown> {
  if (trace === undefined || projectId === undefined) return {};
  return {
    'logging.googleapis.com/trace': `projects/${projectId}/traces/${trace.traceId}`,
    ...(trace.spanId === undefined ? {} : { 'logging.googleapis.com/spanId': trace.spanId }),
    ...(trace.sampled === undefined ? {} : { 'logging.googleapis.com/trace_sampled': trace.sampled }),
  };
}

/**
 * The one line a process writes when it cannot start: severity CRITICAL, the error code, every issue
 * (for a configuration error, every bad variable), and Error Reporting's type so the failure is grouped.
 */
export function startupFailureEntry(err: unknown, service: string): Record<string, unknown> {
  const issues: Issue[] =
    err instanceof AppError && Array.isArray(err.details.issues) ? (err.details.issues as Issue[]) : [];
  return {
    severity: 'CRITICAL',
    message: `${service} cannot start: ${errorMessage(err)}`,
    code: err instanceof AppError ? err.code : 'STARTUP.FAILED',
    ...(issues.length > 0 ? { issues } : {}),
    '@type': 'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent',
    serviceContext: { service },
    time: new Date().toISOString(),
  };
}

/** A logger that keeps entries in memory (tests) and optionally forwards them. */
export function memoryLogger(): Logger & { entries: { severity: Severity; message: string; fields: LogFields }[] } {
  const entries: { severity: Severity; message: string; fields: LogFields }[] = [];
  return { entries, log: (severity, message, fields = {}) => void entries.push({ severity, message, fields }) };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { log: () => undefined };
