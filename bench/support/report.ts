/**
 * What every bench prints the same way: the load average next to each figure (the machine has
 * two often-shared cores), percentiles, a compact table and a one-line JSON summary.
 */
import { loadavg } from 'node:os';

/** True when the bench was started with `--quick` (or BENCH_QUICK=1 from `npm run bench -- --quick`). */
export const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

/** The 1-minute load average, formatted for a figure's line. */
export function load(): string {
  return loadavg()[0].toFixed(2);
}

/** The 1, 5 and 15-minute load averages. */
export function loadAverages(): number[] {
  return loadavg().map((l) => Number(l.toFixed(2)));
}

/** The p-th percentile (0..100) of `values`, nearest-rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Median and 99th percentile, rounded to 0.01 ms. */
export function p50p99(values: readonly number[]): { p50: number; p99: number } {
  return { p50: round(percentile(values, 50)), p99: round(percentile(values, 99)) };
}

/** Round to `digits` decimals. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Bytes as whole MiB. */
export function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}

/** A cell: strings as they are, numbers with at most two decimals. */
type Cell = string | number;

/** Print a left-aligned table with a header row. */
export function printTable(header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const text = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? String(round(c)) : c)));
  const widths = header.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    `  ${r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd()}`;
  console.log(line(text[0]));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of text.slice(1)) console.log(line(r));
}

/** Print the bench's one-line JSON summary (`BENCH_SUMMARY {...}`), with the load averages at the end. */
export function printSummary(bench: string, figures: Record<string, unknown>): void {
  console.log(`BENCH_SUMMARY ${JSON.stringify({ bench, quick: QUICK, ...figures, loadavg: loadAverages() })}`);
}

/** A loud line for a part that could not run, so nobody mistakes silence for a pass. */
export function skipped(what: string, why: string): void {
  console.log(`!!!!! SKIPPED ${what}: ${why} !!!!!`);
}

/** "MET" or "MISSED" for a figure against its target. */
export function verdict(ok: boolean): string {
  return ok ? 'MET' : 'MISSED';
}

/** A logger port implementation that drops everything (benches measure the work, not log I/O). */
export const silentLogger = { log: (): void => undefined };
