import { describe, expect, it } from 'vitest';
import {
  MAX_EVIDENCE_BYTES,
  MAX_SUMMARY_CHARS,
  alertSlot,
  boundedEvidence,
  boundedSummary,
  observeAlert,
  refuseAlertCommand,
} from '../../../shared/domain/lifecycle/alert-lifecycle.js';

const T0 = '2024-06-01T00:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

describe('alert slots', () => {
  it('are source, signal and version; an incident is its own slot', () => {
    expect(alertSlot('monitor', 'drift', undefined)).toBe('monitor:drift:any');
    expect(alertSlot('vertex-anomaly', 'skew', '1.2.0')).toBe('vertex-anomaly:skew:1.2.0');
    expect(alertSlot('cloud-monitoring', 'performance', '1.2.0', 'inc-7')).toBe('cloud-monitoring:inc-7');
  });
});

describe('observeAlert', () => {
  const open = { state: 'open' as const, lastSeenAt: T0 };
  const closed = { state: 'closed' as const, lastSeenAt: T0 };
  it.each([
    ['nothing, open', undefined, 'open', 1, { kind: 'open' }],
    ['nothing, closed (closed before open)', undefined, 'closed', 1, { kind: 'already-closed' }],
    ['open, open again soon', open, 'open', 29, { kind: 'repeat' }],
    ['open, open after the quiet period', open, 'open', 30, { kind: 'open', supersedes: 'quiet' }],
    ['open, closed', open, 'closed', 1, { kind: 'close' }],
    ['closed, a late open', closed, 'open', 1, { kind: 'late-open' }],
    ['closed, closed again', closed, 'closed', 1, { kind: 'already-closed' }],
  ] as const)('%s', (_name, existing, observed, minutes, expected) => {
    expect(observeAlert(existing, observed, at(minutes), 30)).toEqual(expected);
  });
});

describe('refuseAlertCommand', () => {
  it('refuses commands on closed alerts and a second ack, naming who acked', () => {
    expect(refuseAlertCommand('close', { state: 'closed' })).toBe('it is already closed');
    expect(refuseAlertCommand('ack', { state: 'open', acknowledged: { actor: 'alice' } })).toBe(
      'it was already acknowledged by alice',
    );
    expect(refuseAlertCommand('close', { state: 'open', acknowledged: { actor: 'alice' } })).toBeUndefined();
    expect(refuseAlertCommand('ack', { state: 'open' })).toBeUndefined();
  });
});

describe('document bounds', () => {
  it('truncate long summaries with a note, and keep short ones as they are', () => {
    expect(boundedSummary('short')).toBe('short');
    const long = boundedSummary('x'.repeat(MAX_SUMMARY_CHARS + 5));
    expect(long).toBe(`${'x'.repeat(MAX_SUMMARY_CHARS)}… (truncated from ${MAX_SUMMARY_CHARS + 5} characters)`);
  });

  it('summarise large evidence: small values kept, the rest named, multi-byte text measured in bytes', () => {
    expect(boundedEvidence({ psi: 0.3 })).toEqual({ psi: 0.3 });
    const big = { psi: 0.3, ok: true, note: 'n', rows: 'é'.repeat(MAX_EVIDENCE_BYTES / 2 + 1) }; // > limit in UTF-8 bytes only
    expect(boundedEvidence(big)).toEqual({
      psi: 0.3,
      ok: true,
      note: 'n',
      truncated: { originalBytes: expect.any(Number), omittedFields: ['rows'], omittedCount: 1 },
    });
    expect(JSON.stringify(boundedEvidence(big)).length).toBeLessThan(1000);
  });
});
