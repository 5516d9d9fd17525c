/**
 * On Google Cloud a `pipeline-events` message is a claim: the route confirms it with the launcher
 * (Vertex `pipelineJobs.get`) before anything is registered. Real handlers and state store, fake launcher.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../shared/domain/state.js';
import {
  createHarness,
  evaluation,
  inFlightRun,
  landed,
  ledgerEntries,
  type Harness,
} from '../support/service-harness.js';

let h: Harness;
beforeEach(() => {
  h = createHarness();
  h.deps.settings.verifyPipelineCompletions = true;
});
afterEach(() => h.close());

async function startRun(): Promise<string> {
  await h.deliver('data-landed', landed('gs://land/q1.csv'));
  const runId = await inFlightRun(h.store);
  h.inspector.byRun.set(runId, evaluation());
  return runId;
}

const versions = async (): Promise<string[]> =>
  (await h.store.query(COLLECTIONS.versions('ipo-valuation'))).map((v) => v.id);
const runState = async (runId: string): Promise<unknown> => (await h.store.get(COLLECTIONS.runs, runId))?.state;
const vertexLogEntry = (jobId: string, state: string) => ({
  resource: {
    type: 'aiplatform.googleapis.com/PipelineJob',
    labels: { pipeline_job_id: jobId, location: 'us-central1', resource_container: 'projects/123' },
  },
  jsonPayload: { '@type': 'type.googleapis.com/google.cloud.aiplatform.logging.PipelineJobLogEntry', state },
  logName: 'projects/p/logs/aiplatform.googleapis.com%2Fpipeline_job_events',
});

describe('pipeline completions verified with the launcher', () => {
  it('registers nothing for a job the launcher does not know, and still accepts the genuine completion later', async () => {
    const runId = await startRun();
    h.launcher.jobs.delete(runId);
    await h.complete(runId, 'succeeded');
    expect(await versions()).toEqual([]);
    expect(await runState(runId)).not.toBe('evaluated');
    const rejected = await ledgerEntries(h.store, 'rejected');
    expect(rejected.map((e) => e.outcome)).toEqual([
      expect.objectContaining({ code: 'PIPELINE.UNVERIFIED', message: expect.stringContaining(runId) }),
    ]);
    const audit = await h.store.query('audit', { where: [{ field: 'action', op: '==', value: 'message.rejected' }] });
    expect(audit.map((a) => a.data.code)).toEqual(['PIPELINE.UNVERIFIED']);

    // The forgery did not take the natural key: the real completion, once Vertex knows the job, registers.
    h.launcher.jobs.set(runId, { jobId: runId, state: 'succeeded' });
    await h.complete(runId, 'succeeded');
    expect(await versions()).toEqual(['1.0.0']);
  });

  it('retries (throws a transient error) while the launcher says the job is still running', async () => {
    const runId = await startRun();
    await expect(h.complete(runId, 'succeeded')).rejects.toMatchObject({
      code: 'PIPELINE.NOT_FINISHED',
      retryable: true,
    });
    expect(await versions()).toEqual([]);
    expect(await ledgerEntries(h.store)).toEqual([expect.objectContaining({ handler: 'on-new-data' })]);
    h.launcher.jobs.set(runId, { jobId: runId, state: 'succeeded' });
    await h.complete(runId, 'succeeded');
    expect(await versions()).toEqual(['1.0.0']);
  });

  it("acts on the launcher's terminal state, not the claimed one", async () => {
    const runId = await startRun();
    h.launcher.jobs.set(runId, { jobId: runId, state: 'failed', error: 'component train: OOM' });
    await h.complete(runId, 'succeeded');
    expect(await versions()).toEqual([]);
    const run = await h.store.get(COLLECTIONS.runs, runId);
    expect(run).toMatchObject({ state: 'failed', error: 'component train: OOM' });
  });

  it("verifies the Vertex log sink's job-state hints the same way", async () => {
    const runId = await startRun();
    h.launcher.jobs.delete(runId);
    await h.deliver('pipeline-events', vertexLogEntry(runId, 'PIPELINE_STATE_SUCCEEDED'));
    expect(await versions()).toEqual([]);
    h.launcher.jobs.set(runId, { jobId: runId, state: 'succeeded' });
    await h.deliver('pipeline-events', vertexLogEntry(runId, 'PIPELINE_STATE_SUCCEEDED'));
    expect(await versions()).toEqual(['1.0.0']);
  });

  it("trusts the runner's own completions when verification is off (the local backend)", async () => {
    h.deps.settings.verifyPipelineCompletions = false;
    const runId = await startRun();
    h.launcher.jobs.delete(runId);
    await h.complete(runId, 'succeeded');
    expect(await versions()).toEqual(['1.0.0']);
  });
});
