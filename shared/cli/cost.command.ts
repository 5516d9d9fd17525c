/**
 * `ipo-mlops cost recommend`: the replica plan of the local platform's endpoint from its telemetry,
 * with the per-replica capacity measured by a load test of the in-process prediction endpoint.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadTestPredictionHandler, openLocalTelemetry } from '../composition/cli.js';
import { loadConfig } from '../config.js';
import { errorMessage } from '../domain/errors.js';
import { COLLECTIONS, type ModelDoc, SCHEMAS } from '../domain/state.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import { generateSamplePanel } from '../ml/sample-data.generator.js';
import { recommendCapacity } from '../services/cost.service.js';
import type { CliCommand } from './command.js';
import { table } from './render.js';
import { getDoc } from '../services/documents.js';

/** File under the data dir where the measured capacity is kept. */
export const CAPACITY_FILE = 'capacity.json';

const help = `Usage: ipo-mlops cost recommend [--json] [--data-dir DIR] [options]

Read the local platform's request-rate history (telemetry.db) and recommend replicas: the champion
sized for the p95 rate with headroom, challengers at the minimum, retired versions undeployed. Always
a dry run: the plan is printed, nothing is applied.

The per-replica capacity (predictions per second one replica sustains) comes from --capacity, else
from DIR/${CAPACITY_FILE}, written by --measure (a load test of the in-process prediction endpoint
serving the champion model).

Options:
  --data-dir DIR     the platform's data directory (default IPO_DATA_DIR or .ipo-mlops)
  --model ID         model id (default IPO_MODEL_ID or ipo-valuation)
  --capacity RPS     per-replica capacity in predictions/s (overrides the measured figure)
  --measure          load-test the champion on the in-process endpoint first and store the figure
  --requests N       requests of the load test (default 300)
  --json             machine-readable output (see docs/cli-json.md)
  --help             show this help`;

/** A measured per-replica capacity. */
export interface CapacityMeasurement {
  perReplicaCapacity: number;
  requests: number;
  concurrency: number;
  seconds: number;
  measuredAt: string;
  artifactUri: string | null;
}

/**
 * Fire `requests` single-instance predict requests (`concurrency` at a time) at the in-process endpoint
 * handler over loopback HTTP, logging to an in-memory prediction log as serving does, and return
 * requests per second. One instance per request, because the request-rate history counts predictions.
 */
export async function measureEndpointCapacity(options: {
  predict: (rows: Record<string, unknown>[]) => Promise<number[]>;
  instance: Record<string, unknown>;
  requests: number;
  concurrency: number;
}): Promise<Omit<CapacityMeasurement, 'measuredAt' | 'artifactUri'>> {
  const { handler, close } = loadTestPredictionHandler({
    serving: {
      predict: async (_endpoint, instances) => ({
        predictions: await options.predict(instances),
        deployedModelId: 'load-test',
      }),
    },
    endpointId: 'load-test',
    modelId: 'load-test',
    projectId: 'local',
    location: 'local',
  });
  const server = createServer(
    (req, res) =>
      void handler(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/projects/local/locations/local/endpoints/load-test:predict`;
  const body = JSON.stringify({ instances: [options.instance] });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.requests) {
      next += 1;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (!res.ok) throw new Error(`load test: the endpoint answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    close();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    perReplicaCapacity: options.requests / seconds,
    requests: options.requests,
    concurrency: options.concurrency,
    seconds,
  };
}

async function measureChampion(
  artifacts: ArtifactStore,
  model: ModelDoc,
  requests: number,
): Promise<CapacityMeasurement> {
  const artifactUri = model.champion?.artifactUri;
  if (!artifactUri) throw new Error(`model ${model.modelId} has no production version to load-test`);
  // Loaded lazily: only --measure needs TensorFlow.js.
  const { loadServingModel } = await import('../ml/serving-model.js');
  const serving = await loadServingModel(artifacts, artifactUri);
  const panel = generateSamplePanel({ companies: 1, quarters: 1 });
  const instance = Object.fromEntries(panel.header.map((h, i) => [h, panel.rows[0][i]]));
  try {
    const m = await measureEndpointCapacity({
      predict: async (rows) => serving.predict(rows as never),
      instance,
      requests,
      concurrency: 4,
    });
    return { ...m, measuredAt: new Date().toISOString(), artifactUri };
  } finally {
    serving.dispose();
  }
}

async function readCapacity(dataDir: string): Promise<CapacityMeasurement | undefined> {
  const file = path.join(dataDir, CAPACITY_FILE);
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(await readFile(file, 'utf8')) as CapacityMeasurement;
  if (!(parsed.perReplicaCapacity > 0)) throw new Error(`${file}: perReplicaCapacity must be a positive number`);
  return parsed;
}

/** The `cost recommend` command. */
export const costRecommendCommand: CliCommand = {
  path: ['cost', 'recommend'],
  summary: 'Replica recommendation from the endpoint request-rate history (dry run)',
  help,
  async run(args, io) {
    try {
      const { values } = parseArgs({
        args,
        options: {
          'data-dir': { type: 'string' },
          model: { type: 'string' },
          capacity: { type: 'string' },
          measure: { type: 'boolean' },
          requests: { type: 'string' },
          json: { type: 'boolean' },
          help: { type: 'boolean' },
        },
        strict: true,
      });
      if (values.help) return (io.out(help), 0);
      const config = loadConfig();
      const dataDir = path.resolve(values['data-dir'] ?? config.dataDir);
      const modelId = values.model ?? config.modelId;
      for (const db of ['state.db', 'telemetry.db']) {
        if (!existsSync(path.join(dataDir, db)))
          throw new Error(
            `${path.join(dataDir, db)} does not exist: is ${dataDir} the platform's data directory (--data-dir)?`,
          );
      }
      const local = openLocalTelemetry(dataDir);
      const { store, predictionLog } = local;
      try {
        const model = await getDoc(store, SCHEMAS.ModelDoc, COLLECTIONS.models, modelId);
        if (!model) throw new Error(`model ${modelId} does not exist in ${dataDir}`);
        let measured = await readCapacity(dataDir);
        if (values.measure) {
          const requests = Number(values.requests ?? 300);
          if (!(Number.isInteger(requests) && requests >= 10))
            throw new Error(`--requests must be an integer >= 10, got "${values.requests}"`);
          measured = await measureChampion(local.artifacts, model, requests);
          await writeFile(path.join(dataDir, CAPACITY_FILE), `${JSON.stringify(measured, null, 2)}\n`);
        }
        const capacity = values.capacity === undefined ? measured?.perReplicaCapacity : Number(values.capacity);
        if (capacity === undefined)
          throw new Error(`no per-replica capacity: run with --measure (load test) or pass --capacity RPS`);
        if (!(capacity > 0)) throw new Error(`--capacity must be a positive number, got "${values.capacity}"`);
        // The CLI runs outside the platform process: it reads the recorded deployment and never applies.
        const serving = { apply: async () => ({ changed: false }), currentSplit: async () => ({}) };
        const r = await recommendCapacity({ store, predictionLog, serving, clock: () => new Date() }, modelId, {
          perReplicaCapacity: capacity,
          dryRun: true,
        });
        const out = {
          kind: 'cost-recommendation',
          ...r,
          measurement: values.capacity === undefined ? (measured ?? null) : null,
        };
        if (values.json) return (io.out(JSON.stringify(out, null, 2)), 0);
        const s = r.plan.stats;
        io.out(
          `endpoint ${r.endpointId}: ${r.history.requests} predictions in ${s.points} buckets of ${r.history.bucketMinutes} min since ${r.history.since}`,
        );
        for (const line of table([
          ['average/s', 'peak/s', 'p95/s', 'trend/s per h', 'capacity/replica', 'replicas'],
          [
            s.average.toFixed(3),
            s.peak.toFixed(3),
            s.p95.toFixed(3),
            s.trendPerHour.toFixed(4),
            capacity.toFixed(1),
            String(r.plan.recommendedReplicas),
          ],
        ]))
          io.out(line);
        for (const line of table([
          ['version', 'action', 'replicas', 'reason'],
          ...r.plan.actions.map((a) => [
            a.versionId,
            a.kind,
            a.kind === 'set_replicas' ? String(a.replicas) : '-',
            a.reason,
          ]),
        ]))
          io.out(line);
        for (const reason of r.plan.reasons) io.out(`- ${reason}`);
        io.out('dry run: nothing applied');
        return 0;
      } finally {
        await local.close();
      }
    } catch (err) {
      io.err(`cost recommend: ${errorMessage(err)}`);
      return 2;
    }
  },
};
