/**
 * The operator CLI's composition root: the adapters its commands use are constructed here, so
 * `shared/cli` never picks an adapter itself (ESLint enforces it).
 */
import path from 'node:path';
import { FsArtifactStore } from '../adapters/local/fs.artifact-store.js';
import { createPredictionHandler, type PredictionHandlerOptions } from '../adapters/local/prediction-endpoint.js';
import { SqlitePredictionLog } from '../adapters/local/sqlite.prediction-log.js';
import { SqliteStateStore } from '../adapters/local/sqlite.state-store.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { DeadLetters } from '../ports/dead-letters.js';
import type { EventBus } from '../ports/event-bus.js';
import type { PredictionLog } from '../ports/prediction-log.js';
import type { StateStore } from '../ports/state-store.js';

/**
 * A file-system artifact store rooted at `root` (the `train` command's output directory) that may also
 * read exactly the files the user named on the command line (`readable`); nothing else.
 */
export function fileArtifactStore(root: string, readable: readonly string[] = []): ArtifactStore {
  return new FsArtifactStore(root, { roots: readable });
}

/** The local platform's state and telemetry, opened read-mostly from another process. */
export interface LocalTelemetry {
  store: StateStore;
  predictionLog: PredictionLog;
  artifacts: ArtifactStore;
  close(): Promise<void>;
}

/** Open the state, prediction log and artifacts of the platform's data directory. */
export function openLocalTelemetry(dataDir: string): LocalTelemetry {
  const store = new SqliteStateStore({ path: path.join(dataDir, 'state.db') });
  const predictionLog = new SqlitePredictionLog({ path: path.join(dataDir, 'telemetry.db') });
  return {
    store,
    predictionLog,
    artifacts: new FsArtifactStore(path.join(dataDir, 'artifacts')),
    async close() {
      predictionLog.close();
      await store.close();
    },
  };
}

/** A prediction HTTP handler over an in-memory prediction log (the capacity load test); `close` frees the log. */
export function loadTestPredictionHandler(options: Omit<PredictionHandlerOptions, 'log'>): {
  handler: ReturnType<typeof createPredictionHandler>;
  close: () => void;
} {
  const log = new SqlitePredictionLog({ path: ':memory:' });
  return { handler: createPredictionHandler({ ...options, log }), close: () => log.close() };
}

/** The Pub/Sub event bus of a project (PUBSUB_EMULATOR_HOST is honoured by the SDK), for `--gcp` commands. */
export async function pubsubBus(projectId: string): Promise<EventBus> {
  const { PubSubEventBus } = await import('../adapters/gcp/pubsub.event-bus.js');
  return new PubSubEventBus({ projectId });
}

/** The dead letters of a project's Pub/Sub subscriptions (`T-dead-letter`), for `--gcp` commands; close it when done. */
export async function pubsubDeadLetters(projectId: string): Promise<DeadLetters & { close(): Promise<void> }> {
  const { PubSubDeadLetters } = await import('../adapters/gcp/pubsub.dead-letters.js');
  return new PubSubDeadLetters({ projectId });
}
