/**
 * Training progress for terminals (`ipo-mlops train` and `npm start`): a bar, the loss, and an ETA
 * from the observed pace. Every family reports through the same epoch event (trees report boosting
 * iterations as epochs); the ETA restarts when the family or ensemble member changes. Early stopping
 * may end sooner, so the ETA is an upper bound.
 */

/** One epoch (or iteration) event. */
export interface EpochProgress {
  epoch: number;
  epochs: number;
  loss?: number;
  valLoss?: number;
  /** Model family being trained (trees, mlp, mlp-ensemble, ridge), when the pipeline says. */
  family?: string;
  member?: number;
  members?: number;
}

/** Estimates the time left from the pace since the first epoch seen of the current phase. */
export class EtaTracker {
  private phase = '';
  private first: { epoch: number; at: number } | undefined;
  private last = 0;

  /** Record an event seen at `atMs`; returns the estimated milliseconds left, once two epochs were seen. */
  update(p: EpochProgress, atMs: number): number | undefined {
    const phase = `${p.family ?? ''}#${p.member ?? ''}`;
    if (phase !== this.phase || p.epoch < this.last || this.first === undefined) {
      this.phase = phase;
      this.first = { epoch: p.epoch, at: atMs };
    }
    this.last = p.epoch;
    const done = p.epoch - this.first.epoch;
    if (done <= 0) return undefined;
    return Math.max(0, ((atMs - this.first.at) / done) * (p.epochs - p.epoch));
  }
}

/** A duration for people: 42s, 3m05s, 1h02m. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A text progress bar. */
export function bar(done: number, total: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round((done / Math.max(1, total)) * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const num = (v: number | undefined): string | undefined =>
  v === undefined || !Number.isFinite(v) ? undefined : v.toFixed(4);

/** One progress line: `trees [####....] 12/300  loss 0.0812  val 0.0931  ETA ≤ 1m20s`. */
export function progressLine(p: EpochProgress, etaMs: number | undefined): string {
  const what = p.family
    ? `${p.family}${p.members && p.members > 1 ? ` ${p.member ?? '?'}/${p.members}` : ''}`
    : 'train';
  const parts = [
    `${what.padEnd(10)} ${bar(p.epoch, p.epochs)} epoch ${p.epoch}/${p.epochs}`,
    num(p.loss) && `loss ${num(p.loss)}`,
    num(p.valLoss) && `val ${num(p.valLoss)}`,
    etaMs === undefined ? undefined : `ETA ≤ ${formatDuration(etaMs)}`,
  ];
  return parts.filter(Boolean).join('  ');
}
