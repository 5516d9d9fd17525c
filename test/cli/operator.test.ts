/** The operator CLI against a running local platform: dispatch, validation before sending, refusals recorded. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { runCli } from '../../shared/cli/main.js';
import type { CliIO } from '../../shared/cli/command.js';
import { startPlatform, type Platform } from '../../shared/platform/server.js';

function io(): CliIO & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => void lines.push(l), err: (l) => void errors.push(l), isTTY: false };
}

const dir = mkdtempSync(join(tmpdir(), 'ipo-cli-'));
let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform(loadConfig({ IPO_DATA_DIR: dir, PORT: '0', IPO_BOOTSTRAP_SAMPLE_DATA: 'false', LOG_LEVEL: 'ERROR' }), { scheduler: false, watchLanding: false });
});
afterAll(async () => {
  await platform.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ipo-mlops operator commands', () => {
  it('prints usage for no command (exit 2) and for --help (exit 0); an unknown command says so', async () => {
    const a = io();
    expect(await runCli([], a)).toBe(2);
    expect(a.lines.join('\n')).toMatch(/approve\s+Approve a blessed version/);
    const b = io();
    expect(await runCli(['--help'], b)).toBe(0);
    const c = io();
    expect(await runCli(['promote-everything'], c)).toBe(2);
    expect(c.errors.join('\n')).toMatch(/unknown command "promote-everything"/);
  });

  it('status --json reads the platform', async () => {
    const out = io();
    expect(await runCli(['status', '--json', '--url', platform.url], out)).toBe(0);
    expect(JSON.parse(out.lines.join('\n'))).toMatchObject({ models: [], openAlerts: [] });
  });

  it('refuses a traffic split that does not sum to 100 before sending, naming the field', async () => {
    const out = io();
    expect(await runCli(['traffic', '1.0.0=90', '--url', platform.url], out)).toBe(1);
    expect(out.errors.join('\n')).toMatch(/traffic: percentages must sum to 100 \(got 90\)/);
    expect(platform.stack.bus.stats().acked + platform.stack.bus.stats().pending).toBe(0);
  });

  it('refuses bad arguments with what to fix', async () => {
    const a = io();
    expect(await runCli(['approve', '--url', platform.url], a)).toBe(1);
    expect(a.errors.join('\n')).toMatch(/VERSION: is required/);
    const b = io();
    expect(await runCli(['publish', 'nope', '{}', '--url', platform.url], b)).toBe(1);
    expect(b.errors.join('\n')).toMatch(/TOPIC: must be one of data-landed/);
    const c = io();
    expect(await runCli(['publish', 'promotions', '{not json', '--url', platform.url], c)).toBe(1);
    expect(c.errors.join('\n')).toMatch(/JSON: not valid JSON/);
    const d = io();
    expect(await runCli(['status', '--bogus'], d)).toBe(2);
  });

  it('sends a valid command; the platform records its refusal (unknown model) in the audit log', async () => {
    const out = io();
    expect(await runCli(['approve', '9.9.9', '--actor', 'operator@local', '--json', '--url', platform.url], out)).toBe(0);
    const sent = JSON.parse(out.lines.join('\n')) as { idempotencyKey: string; payload: { action: string; version: string } };
    expect(sent.payload).toMatchObject({ action: 'approve', version: '9.9.9' });
    await platform.stack.bus.whenIdle();
    const audit = (await (await fetch(`${platform.url}/api/audit?action=message.rejected`)).json()) as { correlationId: string; reason: string }[];
    expect(audit.find((a) => a.correlationId === sent.idempotencyKey)?.reason).toMatch(/model ipo-valuation does not exist/);
  });

  it('says how to fix an unreachable platform', async () => {
    const out = io();
    expect(await runCli(['status', '--url', 'http://127.0.0.1:9'], out)).toBe(1);
    expect(out.errors.join('\n')).toMatch(/cannot reach the platform at http:\/\/127\.0\.0\.1:9: start it with `npm start`/);
  });
});
