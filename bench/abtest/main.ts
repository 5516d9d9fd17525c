/**
 * A/B analysis benchmark: 1,000,000 labelled predictions split over two arms, every statistic
 * (arm metrics, Welch, Mann-Whitney, bootstrap CI, decision). Prints time per stage and memory.
 * Run: npx tsx bench/abtest/main.ts   (BENCH_ROWS, BENCH_RESAMPLES to resize)
 */
import { mannWhitneyU, welchTTest } from '../../shared/domain/stats/ab-tests.js';
import { summarizeArm } from '../../shared/domain/stats/arm-metrics.js';
import { bootstrapMaeDifference, createPrng } from '../../shared/domain/stats/bootstrap.js';
import { decideExperiment } from '../../shared/domain/stats/experiment-decision.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RESAMPLES = Number(process.env.BENCH_RESAMPLES ?? 200);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

function arm(n: number, seed: number, errorSd: number): { predicted: Float64Array; actual: Float64Array } {
  const prng = createPrng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - prng())) * Math.cos(2 * Math.PI * prng());
  const actual = new Float64Array(n);
  const predicted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    actual[i] = Math.exp(3 + 0.5 * normal());
    predicted[i] = actual[i] + errorSd * normal();
  }
  return { predicted, actual };
}

function timed<T>(label: string, f: () => T): T {
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const r = f();
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `  ${label.padEnd(34)} ${(performance.now() - t).toFixed(0).padStart(6)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(6)} ms CPU`,
  );
  return r;
}

function main(): void {
  console.log(`A/B bench: ${ROWS.toLocaleString()} predictions over two arms, ${RESAMPLES} bootstrap resamples`);
  const control = arm(ROWS / 2, 1, 2.0);
  const candidate = arm(ROWS / 2, 2, 1.97);
  const total = performance.now();
  const c = timed('arm metrics (both arms)', () => summarizeArm(control, 'control'));
  const k = summarizeArm(candidate, 'candidate');
  const welch = timed('Welch t-test', () => welchTTest(k.absErrors, c.absErrors));
  const mwu = timed('Mann-Whitney U', () => mannWhitneyU(k.absErrors, c.absErrors));
  const ci = timed(`bootstrap CI (${RESAMPLES} resamples)`, () =>
    bootstrapMaeDifference(c.absErrors, k.absErrors, createPrng(3), { resamples: RESAMPLES }),
  );
  const decision = timed('full decision (all of the above)', () =>
    decideExperiment(control, candidate, { minSamplesPerArm: 1000, bootstrapResamples: RESAMPLES }, createPrng(3)),
  );
  console.log(
    `  total ${(performance.now() - total).toFixed(0)} ms; memory rss ${mb(process.memoryUsage().rss)}, array buffers ${mb(process.memoryUsage().arrayBuffers)}`,
  );
  console.log(
    `  MAE control ${c.summary.mae.toFixed(4)} candidate ${k.summary.mae.toFixed(4)}; Welch p=${welch.pValue.toExponential(3)} MWU p=${mwu.pValue.toExponential(3)} CI [${ci.lower.toFixed(4)}, ${ci.upper.toFixed(4)}] → ${decision.kind}`,
  );
}

main();
