/** The landing folder under the size guard: an oversized CSV is refused with a reason, never trained on. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { startPlatform, type Platform } from '../../shared/platform/server.js';

const dir = mkdtempSync(join(tmpdir(), 'ipo-landing-guard-'));
let platform: Platform;

beforeAll(async () => {
  const config = loadConfig({
    IPO_DATA_DIR: dir,
    PORT: '0',
    IPO_BOOTSTRAP_SAMPLE_DATA: 'false',
    LOG_LEVEL: 'ERROR',
    IPO_MAX_DATASET_BYTES: '64',
  });
  platform = await startPlatform(config, { scheduler: false, watchLanding: false });
});
afterAll(async () => {
  await platform.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('landing folder size guard', () => {
  it('refuses a file over IPO_MAX_DATASET_BYTES (the watcher states its size), records why, and starts no run', async () => {
    const csv = `company_id,fiscal_quarter\n${Array.from({ length: 10 }, (_, i) => `C${i},2024Q1`).join('\n')}\n`;
    expect(Buffer.byteLength(csv)).toBeGreaterThan(64);
    writeFileSync(join(platform.landingDir, 'big.csv'), csv);
    await platform.scanLanding();
    expect(await platform.scanLanding()).toBe(1);
    await platform.stack.bus.whenIdle();
    const headers = { authorization: `Bearer ${platform.operatorToken.value}` };
    const audit = (await (await fetch(`${platform.url}/api/audit`, { headers })).json()) as { reason?: string }[];
    expect(audit.map((a) => a.reason ?? '').join('\n')).toMatch(
      new RegExp(`big\\.csv is ${Buffer.byteLength(csv)} bytes, over the size guard of 64 bytes`),
    );
    expect(await (await fetch(`${platform.url}/api/runs`, { headers })).json()).toEqual([]);
  });
});
