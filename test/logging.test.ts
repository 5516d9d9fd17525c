/** Cloud Logging JSON lines: trace fields from traceparent / X-Cloud-Trace-Context, startup failures. */
import { describe, expect, it } from 'vitest';
import {
  jsonLogger,
  parseCloudTraceContext,
  parseTraceparent,
  startupFailureEntry,
  traceFromCloudEvent,
  traceFromHeaders,
  withTrace,
} from '../shared/logging.js';
import { ValidationError } from '../shared/domain/errors.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function capture(projectId?: string): { lines: Record<string, unknown>[]; logger: ReturnType<typeof jsonLogger> } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    logger: jsonLogger(
      'INFO',
      (l) => void lines.push(JSON.parse(l) as Record<string, unknown>),
      projectId === undefined ? {} : { projectId },
    ),
  };
}

describe('trace context parsing', () => {
  it('reads W3C traceparent, with the sampled flag, and rejects malformed or all-zero ids', () => {
    expect(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-01`)).toEqual({
      traceId: TRACE,
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-00`)?.sampled).toBe(false);
    for (const bad of [
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
      'garbage',
      42,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
  });

  it('reads X-Cloud-Trace-Context and turns the decimal span id into 16 hex digits', () => {
    expect(parseCloudTraceContext(`${TRACE}/2623461513442341111;o=1`)).toEqual({
      traceId: TRACE,
      spanId: '24686858c6a3b0f7',
      sampled: true,
    });
    expect(parseCloudTraceContext(`${TRACE}/1`)).toEqual({ traceId: TRACE, spanId: '0000000000000001' });
    expect(parseCloudTraceContext(TRACE)).toEqual({ traceId: TRACE });
    expect(parseCloudTraceContext(`${TRACE}/18446744073709551616`)).toEqual({ traceId: TRACE }); // 2^64 is not a span id
    expect(parseCloudTraceContext('nope/1')).toBeUndefined();
  });

  it('prefers traceparent over X-Cloud-Trace-Context in headers (any case), and reads traceparent off a CloudEvent', () => {
    expect(
      traceFromHeaders({
        'x-cloud-trace-context': `${'a'.repeat(32)}/5;o=1`,
        traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
      })?.traceId,
    ).toBe(TRACE);
    expect(traceFromHeaders({ 'X-Cloud-Trace-Context': `${TRACE}/5;o=0` })).toEqual({
      traceId: TRACE,
      spanId: '0000000000000005',
      sampled: false,
    });
    expect(traceFromHeaders({})).toBeUndefined();
    expect(traceFromCloudEvent({ id: '1', traceparent: `00-${TRACE}-00f067aa0ba902b7-01` })?.spanId).toBe(
      '00f067aa0ba902b7',
    );
    expect(traceFromCloudEvent({ id: '1' })).toBeUndefined();
  });
});

describe('jsonLogger', () => {
  it('writes severity, message, the correlation label, and the trace of the request being handled', async () => {
    const { lines, logger } = capture('demo');
    logger.log('INFO', 'before');
    await withTrace(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-01`), async () => {
      await new Promise((r) => setTimeout(r, 1));
      logger.log('WARNING', 'inside', { correlationId: 'c-1', runId: 'r' });
    });
    logger.log('INFO', 'after');
    expect(lines[1]).toMatchObject({
      severity: 'WARNING',
      message: 'inside',
      runId: 'r',
      'logging.googleapis.com/labels': { correlationId: 'c-1' },
      'logging.googleapis.com/trace': `projects/demo/traces/${TRACE}`,
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
    for (const line of [lines[0], lines[2]]) expect(line['logging.googleapis.com/trace']).toBeUndefined();
  });

  it("keeps concurrent requests' traces apart", async () => {
    const { lines, logger } = capture('demo');
    const handle = (trace: string, delay: number) =>
      withTrace(parseCloudTraceContext(`${trace}/7`), async () => {
        await new Promise((r) => setTimeout(r, delay));
        logger.log('INFO', trace);
      });
    await Promise.all([handle('a'.repeat(32), 5), handle('b'.repeat(32), 1)]);
    for (const line of lines)
      expect(line['logging.googleapis.com/trace']).toBe(`projects/demo/traces/${String(line.message)}`);
  });

  it('writes no trace fields without a project (the local backend)', () => {
    const { lines, logger } = capture();
    withTrace(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-01`), () => logger.log('INFO', 'x'));
    expect(Object.keys(lines[0]).some((k) => k.includes('trace'))).toBe(false);
  });
});

describe('startupFailureEntry', () => {
  it('is one CRITICAL entry with the code and every bad variable, typed for Error Reporting', () => {
    const err = new ValidationError(
      'configuration',
      [
        { path: 'GCP_PROJECT', message: 'is required' },
        { path: 'PORT', message: 'not a number' },
      ],
      'CONFIG.INVALID',
    );
    const entry = startupFailureEntry(err, 'onPromotion');
    expect(entry).toMatchObject({
      severity: 'CRITICAL',
      code: 'CONFIG.INVALID',
      issues: [
        { path: 'GCP_PROJECT', message: 'is required' },
        { path: 'PORT', message: 'not a number' },
      ],
      serviceContext: { service: 'onPromotion' },
      '@type': 'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent',
    });
    expect(String(entry.message)).toMatch(
      /^onPromotion cannot start: configuration is invalid: GCP_PROJECT: is required; PORT/,
    );
    expect(JSON.stringify(entry)).not.toContain('\n');
    expect(startupFailureEntry(new Error('boom'), 's')).toMatchObject({
      code: 'STARTUP.FAILED',
      message: 's cannot start: boom',
    });
  });
});
