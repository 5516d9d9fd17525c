/**
 * Issue 10 item 5: a misconfigured revision fails at cold start. functions/index.ts is served by the
 * real functions-framework CLI in a child process (sources through tsx) under the Terraform
 * environment of a function: complete, it listens; with a variable missing or malformed, it writes one
 * CRITICAL JSON line naming every bad variable and exits 78 before listening, so Cloud Run would never
 * mark the revision ready.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/gcloud-tools.js';
import { terraformEnv } from './terraform-env.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The framework's CLI (its package `bin`), as `npx functions-framework` runs it. */
const FRAMEWORK = `${REPO}node_modules/@google-cloud/functions-framework/build/src/main.js`;

interface Served {
  code: number | null;
  stdout: string;
  stderr: string;
  answered?: number;
}

/** Serve `target` with `env`; resolves when the process exits or, if it listens, after one GET. */
async function serve(target: string, env: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', FRAMEWORK, `--target=${target}`, `--source=${REPO}functions/index.ts`, `--port=${port}`],
    {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'production',
        METADATA_SERVER_DETECTION: 'none',
        ...env,
      },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return { code: await exited, stdout, stderr };
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      child.kill('SIGTERM');
      return { code: await exited, stdout, stderr, answered: res.status };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`neither listened nor exited within 60 s: ${stderr}`);
}

describe('fail fast at cold start (functions-framework CLI, functions/index.ts)', () => {
  it('listens under the complete Terraform environment', async () => {
    const served = await serve('onDriftAlertWebhook', await terraformEnv('onDriftAlertWebhook'));
    expect(served.answered, served.stderr).toBe(405); // GET on the webhook: method not allowed, i.e. it is serving
  }, 90_000);

  it('exits 78 with ONE CRITICAL JSON line naming every bad variable, without listening', async () => {
    const { VERTEX_ENDPOINT_ID: _missing, ...env } = await terraformEnv('onPromotion');
    const served = await serve('onPromotion', { ...env, SERVING_SERVICE_ACCOUNT: 'not-an-email' });
    expect(served.answered).toBeUndefined();
    expect(served.code).toBe(78);
    const lines = `${served.stdout}${served.stderr}`.split('\n').filter((l) => l.trim() !== '');
    expect(lines, `${served.stdout}${served.stderr}`).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as {
      severity: string;
      code: string;
      issues: { path: string }[];
      serviceContext: { service: string };
    };
    expect(entry).toMatchObject({
      severity: 'CRITICAL',
      code: 'CONFIG.INVALID',
      serviceContext: { service: 'onPromotion' },
    });
    expect(entry.issues.map((i) => i.path).sort()).toEqual(['SERVING_SERVICE_ACCOUNT', 'VERTEX_ENDPOINT_ID']);
  }, 90_000);
});
