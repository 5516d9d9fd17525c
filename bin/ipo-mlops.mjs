#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (a runtime dependency), so the command works right after `npm ci`.
import { register } from 'tsx/esm/api';
register();
const { runCli } = await import('../shared/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  isTTY: process.stdout.isTTY === true,
});
