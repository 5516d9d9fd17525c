#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (a runtime dependency), so the command works right after `npm ci`.
import { register } from 'tsx/esm/api';

// Output piped into `head` and the like: a closed pipe ends the command quietly.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
register();
const { runCli } = await import('../shared/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  isTTY: process.stdout.isTTY === true,
});
