/**
 * What `npm start` shows a person: lifecycle events one line each, training progress with an ETA (one
 * line rewritten in place on a terminal), and warnings. The structured JSON log goes to a file under
 * the data directory instead, so an idle platform prints nothing.
 */
import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs';
import { COLLECTIONS, SCHEMAS } from '../domain/state.js';
import { jsonLogger } from '../logging.js';
import type { Logger, Severity } from '../ports/logger.js';
import { getDoc, queryDocs, type DocReader } from '../services/documents.js';
import { EtaTracker, progressLine, type EpochProgress } from '../cli/progress.js';

/** A log file past this size is moved aside (`.1`) at start. */
export const LOG_ROTATE_BYTES = 20 * 1024 * 1024;

/** The terminal of `npm start`. */
export interface Terminal {
  /** Print a line (ending a progress line first). */
  line(text: string): void;
  /** Show progress: rewritten in place on a terminal, printed as a line otherwise. */
  progress(text: string): void;
  /** End a progress line (the run finished or moved on). */
  endProgress(): void;
}

/** A terminal over a write function. */
export function createTerminal(write: (text: string) => void, isTTY: boolean): Terminal {
  let open = false;
  const end = (): void => {
    if (open) write('\n');
    open = false;
  };
  return {
    line: (text) => (end(), write(`${text}\n`)),
    progress: (text) => {
      if (!isTTY) return write(`${text}\n`);
      write(`\r\x1b[K${text}`);
      open = true;
    },
    endProgress: end,
  };
}

const rank: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

/** JSON log lines at `minimum` and above to `file`; warnings and errors also as one readable line on the terminal. */
export function fileLogger(
  file: string,
  minimum: Severity,
  terminal: Terminal,
  clock: () => Date = () => new Date(),
): Logger {
  if (existsSync(file) && statSync(file).size > LOG_ROTATE_BYTES) renameSync(file, `${file}.1`);
  const json = jsonLogger(minimum, (line) => appendFileSync(file, `${line}\n`));
  return {
    log(severity, message, fields) {
      json.log(severity, message, fields);
      if (rank[severity] >= rank.WARNING)
        terminal.line(`${clock().toISOString().slice(11, 19)}  ${severity.padEnd(8)} ${message}`);
    },
  };
}

/** One line for a lifecycle event: time, event, subject, actor and reason. */
export function eventLine(event: unknown): string {
  const e = (event ?? {}) as {
    event?: string;
    occurredAt?: string;
    subject?: { kind?: string; id?: string };
    actor?: string;
    reason?: string;
  };
  const subject = e.subject ? `${e.subject.kind ?? ''} ${e.subject.id ?? ''}` : '';
  return `${(e.occurredAt ?? new Date().toISOString()).slice(11, 19)}  ${String(e.event ?? '?').padEnd(20)} ${subject.padEnd(24)} ${e.actor ?? ''}: ${e.reason ?? ''}`;
}

const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The epoch part of a run's recorded progress, if it is training. */
export function epochOf(progress: Record<string, unknown> | undefined): EpochProgress | undefined {
  const epoch = finite(progress?.epoch);
  const epochs = finite(progress?.epochs);
  if (progress?.step !== 'train' || epoch === undefined || epochs === undefined) return undefined;
  return {
    epoch,
    epochs,
    loss: finite(progress.loss),
    valLoss: finite(progress.valLoss),
    ...(typeof progress.family === 'string' ? { family: progress.family } : {}),
    member: finite(progress.member),
    members: finite(progress.members),
  };
}

/** Options of the progress display. */
export interface ProgressOptions {
  /** On a terminal every epoch is shown (one line rewritten); otherwise a tenth of the run at a time. */
  isTTY: boolean;
  intervalMs?: number;
  now?: () => number;
}

/**
 * Show the progress of the runs in flight, one poll per `tick`: each new epoch on a terminal, else the
 * first epoch seen in each tenth of the run (a poll may miss any given epoch); each step change once.
 */
export function progressDisplay(
  reader: DocReader,
  terminal: Terminal,
  options: ProgressOptions,
): { tick(): Promise<void> } {
  const now = options.now ?? Date.now;
  const seen = new Map<string, { step?: string; epoch?: number; shown?: number; eta: EtaTracker }>();
  const tick = async (): Promise<void> => {
    const live = new Set<string>();
    for (const { data: model } of await queryDocs(reader, SCHEMAS.ModelDoc, COLLECTIONS.models)) {
      if (!model.inFlightRunId) continue;
      const run = await getDoc(reader, SCHEMAS.RunDoc, COLLECTIONS.runs, model.inFlightRunId);
      if (!run) continue;
      live.add(run.runId);
      const state = seen.get(run.runId) ?? { eta: new EtaTracker() };
      seen.set(run.runId, state);
      const progress = run.progress as Record<string, unknown> | undefined;
      const step = typeof progress?.step === 'string' ? progress.step : undefined;
      const epoch = epochOf(progress);
      if (epoch && epoch.epoch !== state.epoch) {
        state.epoch = epoch.epoch;
        const eta = state.eta.update(epoch, now());
        // Polls see some epochs only: off a terminal, show the first epoch seen in each tenth of the run.
        const bucket = Math.floor(epoch.epoch / Math.max(1, Math.round(epoch.epochs / 10)));
        if (options.isTTY || bucket !== state.shown || epoch.epoch === epoch.epochs) {
          state.shown = bucket;
          terminal.progress(`  run ${run.runId}  ${progressLine(epoch, eta)}`);
        }
      } else if (step !== undefined && step !== state.step && step !== 'train') {
        terminal.line(`  run ${run.runId}  ${step}`);
      }
      state.step = step;
    }
    for (const runId of seen.keys()) {
      if (!live.has(runId)) {
        seen.delete(runId);
        terminal.endProgress();
      }
    }
  };
  return { tick };
}

/** Poll {@link progressDisplay} every second (one poll at a time). Returns the stop function. */
export function watchProgress(reader: DocReader, terminal: Terminal, options: ProgressOptions): () => void {
  const display = progressDisplay(reader, terminal, options);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    // A display: a failed poll (the store closing at shutdown) is simply retried at the next tick.
    display
      .tick()
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, options.intervalMs ?? 1000);
  return () => clearInterval(timer);
}
