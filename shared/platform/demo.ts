/** `npm run demo [-- --quick] [--dir DIR]`: run the scripted scenario and print its timeline; non-zero exit if a step did not happen. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, QUICK } from './demo-data.js';
import { runDemoScenario } from './demo-scenario.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, dir: { type: 'string' }, json: { type: 'boolean' } },
});
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'ipo-mlops-demo-'));
const out = (l: string): void => void process.stdout.write(l + '\n');
out(`ipo-mlops demo (${values.quick ? 'quick' : 'full'} size) in ${dir}`);
const result = await runDemoScenario(dir, values.quick ? QUICK : FULL, out);
if (values.json) out(JSON.stringify(result, null, 2));
else {
  out('\nTimeline of lifecycle events:');
  for (const e of result.timeline)
    out(`  ${e.at}  ${e.action.padEnd(20)} ${e.subject.padEnd(32)} ${e.actor.padEnd(22)} ${e.reason.slice(0, 90)}`);
  out('\nFinal state:');
  out(`  production ${result.final.production ?? '-'}, traffic ${JSON.stringify(result.final.split)}`);
  for (const v of result.final.versions)
    out(`  ${v.version.padEnd(8)} ${v.state.padEnd(12)} R² ${v.r2.toFixed(3)}  MAPE ${v.mape.toFixed(2)}%`);
  out('\nSteps:');
  for (const s of result.steps) out(`  ${s.ok ? 'PASS' : 'FAIL'}  ${s.name} — ${s.detail}`);
}
out(result.ok ? '\ndemo: every expected step happened' : '\ndemo: FAILED — an expected step did not happen');
process.exit(result.ok ? 0 : 1);
