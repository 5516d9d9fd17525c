/**
 * One cold start in a fresh Node process: import a function's module, build its dependencies the
 * way functions/index.ts does (lazily, on the first event, for the configured backend), handle one
 * event, and report time and memory. Module paths point at dist/*.js (plain node) or at the
 * TypeScript sources (node --import tsx).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FunctionName } from '../../shared/domain/topics.js';

/** What a cold process reports. */
export interface ColdFigures {
  /** Import of the function module and the config module, ms. */
  importMs: number;
  /** Composition (lazy) + handling the first event, ms. */
  firstEventMs: number;
  /** importMs + firstEventMs. */
  scriptMs: number;
  /** From the process's time origin (Node bootstrap included) to the handled event, ms. */
  sinceStartMs: number;
  rss: number;
  heapUsed: number;
  /** The decision recorded in the ledger. */
  outcome: string;
}

/** Where the modules live for one variant. */
export interface ModuleSet {
  label: string;
  /** Extra node flags (`--import tsx` for sources). */
  nodeFlags: string[];
  file: (path: string) => string;
}

/** The repository root: `--import tsx` and bare package specifiers resolve from here. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

const CHILD = String.raw`
const env = process.env;
const t0 = performance.now();
const fnModule = await import(env.COLD_FN_MODULE);
const { loadConfig } = await import(env.COLD_CONFIG_MODULE);
const imported = performance.now();
let deps;
const getDeps = () => (deps ??= (async () => {
  const config = loadConfig();
  if (config.backend === 'gcp') return (await import(env.COLD_GCP_MODULE)).createGcpDeps(config);
  return (await (await import(env.COLD_LOCAL_MODULE)).createLocalStack(config)).deps;
})());
await fnModule[env.COLD_FACTORY](getDeps)(JSON.parse(env.COLD_EVENT));
const handled = performance.now();
const mem = process.memoryUsage();
const ledger = await (await getDeps()).store.query('processed', { where: [{ field: 'messageId', op: '==', value: JSON.parse(env.COLD_EVENT).id }] });
const outcome = ledger.map((l) => l.data.status === 'rejected' ? 'REJECTED ' + l.data.outcome.message : l.data.outcome.kind).join(',');
console.log('COLD_START ' + JSON.stringify({ importMs: imported - t0, firstEventMs: handled - imported, scriptMs: handled - t0, sinceStartMs: handled, rss: mem.rss, heapUsed: mem.heapUsed, outcome }));
process.exit(0);
`;

const EAGER = String.raw`
const t0 = performance.now();
for (const m of JSON.parse(process.env.COLD_MODULES)) await import(m);
const done = performance.now();
const mem = process.memoryUsage();
console.log('COLD_START ' + JSON.stringify({ importMs: done - t0, firstEventMs: 0, scriptMs: done - t0, sinceStartMs: done, rss: mem.rss, heapUsed: mem.heapUsed, outcome: '-' }));
process.exit(0);
`;

/** Run one function's cold start; `env` carries the backend configuration. */
export async function coldStart(
  modules: ModuleSet,
  fn: FunctionName,
  factory: string,
  event: unknown,
  env: Record<string, string>,
): Promise<ColdFigures> {
  return run(modules.nodeFlags, CHILD, {
    ...env,
    COLD_FACTORY: factory,
    COLD_EVENT: JSON.stringify(event),
    COLD_FN_MODULE: modules.file(`functions/${fn}/index`),
    COLD_CONFIG_MODULE: modules.file('shared/config'),
    COLD_LOCAL_MODULE: modules.file('shared/composition/local'),
    COLD_GCP_MODULE: modules.file('shared/composition/gcp'),
  });
}

/** Time and memory to import `specifiers` (packages or file URLs) eagerly in a fresh process. */
export async function eagerImport(specifiers: string[], nodeFlags: string[] = []): Promise<ColdFigures> {
  return run(nodeFlags, EAGER, { COLD_MODULES: JSON.stringify(specifiers) });
}

async function run(nodeFlags: string[], script: string, env: Record<string, string>): Promise<ColdFigures> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    cwd: REPO,
    timeout: 120_000,
    maxBuffer: 16 << 20,
  }).catch((err: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(
      `cold process failed: ${(err.stderr ?? err.message)
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('    at ') && l.trim() !== '')
        .slice(-8)
        .join(' | ')}`,
    );
  });
  const line = stdout.split('\n').find((l) => l.startsWith('COLD_START '));
  if (line === undefined) throw new Error(`cold process printed no figures: ${stdout.slice(-500)}`);
  return JSON.parse(line.slice('COLD_START '.length)) as ColdFigures;
}
