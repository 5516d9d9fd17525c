/** `ipo-mlops predict --gcp`: a Vertex AI batch prediction job through the real client, against a fake Vertex. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictCommand } from '../../shared/cli/predict.command.js';
import { startFakeGcpServer, type FakeGcpServer } from '../support/fake-gcp-server.js';
import { captureIO } from './support.js';

const JOBS = '/v1/projects/p/locations/europe-west1/batchPredictionJobs';
let server: FakeGcpServer;
const stored: Record<string, unknown>[] = [];
const saved = process.env.IPO_VERTEX_API_ENDPOINT;

beforeAll(async () => {
  server = await startFakeGcpServer();
  server.on('GET', JOBS, (req) => {
    const key = /labels\.request-key="([^"]+)"/.exec(req.query.get('filter') ?? '')?.[1];
    return {
      body: { batchPredictionJobs: stored.filter((j) => (j.labels as Record<string, string>)['request-key'] === key) },
    };
  });
  server.on('POST', JOBS, (req) => {
    const job = { ...(req.body as object), name: `${JOBS.slice(4)}/${stored.length + 1}`, state: 'JOB_STATE_PENDING' };
    stored.push(job);
    return { body: job };
  });
  process.env.IPO_VERTEX_API_ENDPOINT = server.url;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.IPO_VERTEX_API_ENDPOINT;
  else process.env.IPO_VERTEX_API_ENDPOINT = saved;
  await server.close();
});

async function predict(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await predictCommand.run(args, io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
}

describe('ipo-mlops predict --gcp', () => {
  const args = [
    '--gcp',
    '--project',
    'p',
    '--region',
    'europe-west1',
    '--model',
    '1.2.0',
    '--input',
    'gs://in/new.csv',
    '--output',
    'gs://out/preds',
  ];

  it('submits one job on the registered version, and a repeated submit finds the same job', async () => {
    const first = await predict(...args);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toBe(
      `batch prediction job ${JOBS.slice(4)}/1 (queued) for ipo-valuation 1.2.0: gs://in/new.csv -> gs://out/preds`,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ model: expect.stringMatching(/ipo-valuation@v1-2-0$/) as string });
    expect((await predict(...args)).out).toBe(first.out);
    expect(stored).toHaveLength(1);
  });

  it('names what is missing before any call: project, version, gs:// locations', async () => {
    const requests = server.requests.length;
    expect((await predict('--gcp', '--model', '1.2.0', '--input', 'gs://a/b.csv', '--output', 'gs://c/d')).err).toMatch(
      /^predict: --project P is required with --gcp/,
    );
    expect((await predict('--gcp', '--project', 'p', '--input', 'gs://a/b.csv', '--output', 'gs://c/d')).err).toMatch(
      /--model VERSION is required with --gcp/,
    );
    expect(
      (await predict('--gcp', '--project', 'p', '--model', '1.2.0', '--input', 'in.csv', '--output', 'gs://c/d')).err,
    ).toMatch(/--input: with --gcp, a gs:\/\/ CSV or JSONL file, got "in.csv"/);
    expect(
      (await predict('--gcp', '--project', 'p', '--model', '1.2.0', '--input', 'gs://a/b.csv', '--output', 'out.csv'))
        .code,
    ).toBe(2);
    expect(server.requests.length).toBe(requests);
  });
});
