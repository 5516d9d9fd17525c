/**
 * Per-function event-to-decision latency on the embedded stack, training excluded: the four
 * functions' real handlers on the SQLite bus and store, with the fakes from ./fakes.ts. Each cycle:
 * data lands -> on-new-data starts a run -> the run "completes" -> on-eval-complete gates and
 * registers a version -> on-promotion deploys it (promote first, then canaries) -> on alternate
 * cycles an operator promotes the canary, or a drift alert makes on-drift-alert roll it back.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../shared/config.js';
import { createLocalStack } from '../../shared/composition/local.js';
import { COLLECTIONS, type VersionDoc } from '../../shared/domain/state.js';
import { FUNCTION_NAMES, FUNCTION_TOPICS, type FunctionName } from '../../shared/domain/topics.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import type { ServiceDeps } from '../../shared/services/context.js';
import { createEffectExecutors } from '../../shared/services/effects.js';
import type { LedgerEntry } from '../../shared/services/processing.js';
import { onDriftAlert } from '../../functions/on-drift-alert/index.js';
import { onEvalComplete } from '../../functions/on-eval-complete/index.js';
import { onNewData } from '../../functions/on-new-data/index.js';
import { onPromotion } from '../../functions/on-promotion/index.js';
import { silentLogger } from '../support/report.js';
import { nowMs, sentAtOf, stamping } from '../support/stamping.js';
import { acceptingServing, cannedInspector, instantLauncher } from './fakes.js';

/** Latencies and decisions per function. */
export interface DecisionFigures {
  /** Publish -> handler done (decision committed, its outbox sent), ms. */
  latency: Record<FunctionName, number[]>;
  /** Handler start -> done, ms. */
  handler: Record<FunctionName, number[]>;
  /** Decision kinds recorded in the ledger, per function. */
  decisions: Record<string, Record<string, number>>;
  cycles: number;
  seconds: number;
}

const factories = {
  'on-new-data': onNewData,
  'on-eval-complete': onEvalComplete,
  'on-promotion': onPromotion,
  'on-drift-alert': onDriftAlert,
} as const;

/** Run `warmup` unmeasured cycles (JIT, first-use imports), then `cycles` measured ones, in `dir`. */
export async function measureDecisions(dir: string, cycles: number, warmup: number): Promise<DecisionFigures> {
  const stack = await createLocalStack(loadConfig({ IPO_DATA_DIR: dir, LOG_LEVEL: 'ERROR' }), {
    logger: silentLogger,
    policy: { retrain: { minNewRows: 0, cooldownMinutes: 0 }, alertDebounceMinutes: 0 },
  });
  const bus = stamping(stack.bus);
  const { effects: _unused, ...real } = stack.deps;
  const base = { ...real, bus, launcher: instantLauncher(bus), inspector: cannedInspector, serving: acceptingServing };
  const deps: ServiceDeps = { ...base, effects: createEffectExecutors(base) };
  const latency = Object.fromEntries(FUNCTION_NAMES.map((f) => [f, [] as number[]])) as unknown as Record<
    FunctionName,
    number[]
  >;
  const handler = Object.fromEntries(FUNCTION_NAMES.map((f) => [f, [] as number[]])) as unknown as Record<
    FunctionName,
    number[]
  >;
  for (const fn of FUNCTION_NAMES) {
    const handle = factories[fn](async () => deps);
    for (const topic of FUNCTION_TOPICS[fn]) {
      stack.bus.subscribe(topic, `${fn}--${topic}`, async (event) => {
        const started = nowMs();
        await handle(event);
        const done = nowMs();
        latency[fn].push(done - (sentAtOf(event) ?? started));
        handler[fn].push(done - started);
      });
    }
  }
  const csv = join(dir, 'landing', 'sample.csv');
  mkdirSync(join(dir, 'landing'), { recursive: true });
  writeFileSync(csv, generateSampleCsv({ companies: 40, quarters: 8 }));
  const modelId = deps.settings.modelId;

  let started = performance.now();
  for (let i = 0; i < warmup + cycles; i++) {
    if (i === warmup) {
      for (const fn of FUNCTION_NAMES) latency[fn].length = handler[fn].length = 0;
      started = performance.now();
    }
    await bus.publish({
      topic: 'data-landed',
      data: {
        type: 'data.landed',
        modelId,
        dataUri: pathToFileURL(csv).href,
        source: 'loader',
        idempotencyKey: `landed-${i}`,
      },
    });
    await stack.bus.whenIdle();
    const canary = await stack.store.query<VersionDoc>(COLLECTIONS.versions(modelId), {
      where: [{ field: 'state', op: '==', value: 'canary' }],
    });
    const version = canary[0]?.data.version;
    if (version === undefined) continue;
    if (i % 2 === 1) {
      await bus.publish({
        topic: 'drift-alerts',
        data: {
          type: 'drift.detected',
          modelId,
          version,
          signal: 'drift',
          source: 'monitor',
          summary: `bench drift ${i}`,
          evidence: { psi: 0.4 },
          idempotencyKey: `drift-${i}`,
        },
      });
    } else {
      await bus.publish({
        topic: 'promotions',
        data: {
          type: 'promotion.command',
          action: 'promote',
          modelId,
          version,
          actor: 'operator@local',
          reason: 'bench',
          idempotencyKey: `promote-${i}`,
        },
      });
    }
    await stack.bus.whenIdle();
  }
  const seconds = (performance.now() - started) / 1000;

  const decisions: Record<string, Record<string, number>> = {};
  for (const { data } of await stack.store.query<LedgerEntry>(COLLECTIONS.processed)) {
    const kind = data.status === 'rejected' ? `REJECTED ${String(data.outcome.code)}` : String(data.outcome.kind);
    decisions[data.handler] ??= {};
    decisions[data.handler][kind] = (decisions[data.handler][kind] ?? 0) + 1;
  }
  await stack.close();
  return { latency, handler, decisions, cycles, seconds };
}
