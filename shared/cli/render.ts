/** Human-readable tables for the operator commands. */
import type { CliIO } from './command.js';

interface StatusView {
  models: {
    modelId: string;
    championVersion?: string;
    canaryVersion: string | null;
    deployment: { split: Record<string, number>; revision: number } | null;
    inFlightRun: { runId: string; state: string; progress?: Record<string, unknown> } | null;
    versions: {
      version: string;
      state: string;
      metrics: Record<string, number>;
      gate: { verdict: string; reasons: string[] };
    }[];
  }[];
  openAlerts: { signal: string; summary: string; action?: string }[];
  lastEvents: { at: string; action: string; subject?: { kind: string; id: string }; actor: string; reason: string }[];
}

/** Left-aligned table with a header row. */
export function table(rows: (string | number)[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => String(c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

const num = (v: unknown, digits: number): string =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-';

/** Print `ipo-mlops status`. */
export function renderStatus(raw: unknown, io: CliIO): void {
  const s = raw as StatusView;
  if (s.models.length === 0) io.out('No model yet: the first run starts when data lands.');
  for (const m of s.models) {
    const split = m.deployment
      ? Object.entries(m.deployment.split)
          .map(([v, p]) => `${v}=${p}%`)
          .join(' ')
      : 'nothing deployed';
    io.out(`${m.modelId}: production ${m.championVersion ?? '-'}, canary ${m.canaryVersion ?? '-'}, traffic ${split}`);
    if (m.inFlightRun)
      io.out(
        `  run ${m.inFlightRun.runId} ${m.inFlightRun.state}${m.inFlightRun.progress?.step ? ` (${String(m.inFlightRun.progress.step)}${m.inFlightRun.progress.epoch ? ` epoch ${String(m.inFlightRun.progress.epoch)}/${String(m.inFlightRun.progress.epochs)}` : ''})` : ''}`,
      );
    for (const line of table([
      ['version', 'state', 'R2', 'MAPE%', 'gate'],
      ...m.versions.map((v) => [v.version, v.state, num(v.metrics.r2, 3), num(v.metrics.mape, 2), v.gate.verdict]),
    ]))
      io.out(`  ${line}`);
  }
  io.out(`open alerts: ${s.openAlerts.length}`);
  for (const a of s.openAlerts) io.out(`  ${a.signal}: ${a.summary} -> ${a.action ?? 'pending'}`);
  io.out('last events:');
  for (const line of table([
    ['at', 'event', 'subject', 'actor', 'reason'],
    ...s.lastEvents
      .slice(0, 10)
      .map((e) => [e.at, e.action, `${e.subject?.kind ?? ''} ${e.subject?.id ?? ''}`, e.actor, e.reason.slice(0, 70)]),
  ]))
    io.out(`  ${line}`);
}

/** Print `ipo-mlops history`. */
export function renderHistory(raw: unknown, io: CliIO): void {
  const m = raw as {
    modelId: string;
    championHistory: { version: string; from: string; to?: string; actor: string; reason: string }[];
  };
  io.out(`champion history of ${m.modelId}:`);
  for (const line of table([
    ['version', 'from', 'to', 'actor', 'reason'],
    ...m.championHistory.map((h) => [h.version, h.from, h.to ?? 'now', h.actor, h.reason]),
  ]))
    io.out(`  ${line}`);
}
