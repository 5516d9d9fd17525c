/** `ipo-mlops`: the command-line entry point; dispatches to the command modules. */
import type { CliCommand, CliIO } from './command.js';
import { dataGenerateCommand } from './data.command.js';
import { trainCommand } from './train.command.js';
import { operatorCommands } from './operator.commands.js';
import { driftReportCommand } from './drift.command.js';
import { abtestAnalyzeCommand } from './abtest.command.js';
import { costRecommendCommand } from './cost.command.js';
import { alertsCommands } from './alerts.commands.js';
import { policyCommands } from './policy.commands.js';
import { dlqCommands } from './dlq.commands.js';
import { predictCommand } from './predict.command.js';

/** Every command, in help order. */
export const COMMANDS: CliCommand[] = [
  ...operatorCommands,
  ...alertsCommands,
  ...policyCommands,
  ...dlqCommands,
  trainCommand,
  predictCommand,
  dataGenerateCommand,
  driftReportCommand,
  abtestAnalyzeCommand,
  costRecommendCommand,
];

/** Top-level help. */
export function usage(commands: readonly CliCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length));
  return [
    'Usage: ipo-mlops COMMAND [options]   (ipo-mlops COMMAND --help for details)',
    '',
    ...commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Run the CLI with arguments; returns the exit code. */
export async function runCli(argv: string[], io: CliIO, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' || argv[0] === '-h') {
    io.out(usage(commands));
    return argv.length === 0 ? 2 : 0;
  }
  const match = [...commands]
    .sort((a, b) => b.path.length - a.path.length)
    .find((c) => c.path.every((word, i) => argv[i] === word));
  if (!match) {
    io.err(`ipo-mlops: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${usage(commands)}`);
    return 2;
  }
  return match.run(argv.slice(match.path.length), io);
}
