/**
 * Training benchmark: wall time, peak RSS, rows x epochs per second and test R² for 5k, 20k and 50k
 * rows, wasm and cpu backends side by side. Run: `npx tsx bench/train/main.ts [--sizes 5000,20000] [--backends wasm]`.
 */
import { parseArgs } from 'node:util';
import type { ArtifactStore } from '../../shared/ports/artifact-store.js';
import { runPipeline } from '../../shared/ml/pipeline.js';
import { generateSampleCsv } from '../../shared/ml/sample-data.generator.js';
import type { TfBackend } from '../../shared/ml/tf-backend.js';

/** An in-memory store, so the benchmark measures training rather than disk. */
class MemoryStore implements ArtifactStore {
  private readonly files = new Map<string, Uint8Array>();
  uri(p: string): string {
    return `mem://${p}`;
  }
  async write(uri: string, bytes: Uint8Array | string): Promise<void> {
    this.files.set(uri, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
  }
  async read(uri: string): Promise<Uint8Array> {
    const b = this.files.get(uri);
    if (!b) throw new Error(`no ${uri}`);
    return b;
  }
  async exists(uri: string): Promise<boolean> {
    return this.files.has(uri);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix));
  }
}

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '5000,20000,50000' }, backends: { type: 'string', default: 'wasm,cpu' }, epochs: { type: 'string', default: '100' } } });
const sizes = values.sizes.split(',').map(Number);
const backends = values.backends.split(',') as TfBackend[];
const quarters = 24;

console.log(`node ${process.version}; epochs <= ${values.epochs} with early stopping (patience 10); batch 64; 24 quarters per company`);
console.log(['rows', 'backend', 'wall s', 'train s', 'epochs', 'peak RSS MB', 'rows*epochs/s', 'test R²', 'MAPE %'].map((h) => h.padStart(15)).join(''));
for (const rows of sizes) {
  const store = new MemoryStore();
  await store.write(store.uri('data.csv'), generateSampleCsv({ companies: Math.round(rows / quarters), quarters, seed: 42 }));
  for (const backend of backends) {
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    const out = await runPipeline(
      { runId: `bench-${rows}-${backend}`, modelId: 'bench', correlationId: 'bench', dataUri: store.uri('data.csv'), artifactUri: store.uri(`runs/${rows}-${backend}`), hyperparameters: { epochs: Number(values.epochs) }, seed: 1 },
      { store, backend },
    );
    const wall = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const m = out.metrics;
    const trainS = (out.lineage?.timings.train ?? 0) / 1000;
    const epochs = m?.training.epochsRun ?? 0;
    const trainRows = out.lineage?.split.rows.train ?? 0;
    const cells = [rows, out.lineage?.code.backend ?? backend, wall.toFixed(1), trainS.toFixed(1), epochs, (peak / 2 ** 20).toFixed(0), ((trainRows * epochs) / trainS).toFixed(0), m?.test.r2.toFixed(4), m?.test.mape.toFixed(2)];
    console.log(cells.map((c) => String(c).padStart(15)).join(''));
  }
}
