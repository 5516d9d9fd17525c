/** The shape of one CLI command; `shared/cli/main.ts` dispatches to these. */

/** Output streams, injectable for tests. */
export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Whether stdout is a terminal (progress bars only then). */
  isTTY: boolean;
}

/** A CLI command. `run` returns the process exit code; errors tell the user what to fix. */
export interface CliCommand {
  /** Words that select it, e.g. `['data', 'generate']` or `['train']`. */
  path: readonly string[];
  summary: string;
  /** Full `--help` text. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
}
