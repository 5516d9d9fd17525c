/** Persisted secrets: generated once with 0600 permissions, kept across restarts, configured values never written. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateSecret, readSecret, secretFile } from '../../shared/platform/secrets.js';
import { startTestPlatform } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'ipo-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('persisted secrets', () => {
  it('generates a 256-bit token once, readable by the owner only, and returns it again', () => {
    const first = loadOrCreateSecret(join(dir, 'a'), 'operatorToken', undefined);
    expect(first.source).toBe('generated');
    expect(first.value).toMatch(/^[\w-]{43}$/);
    expect(statSync(secretFile(join(dir, 'a'), 'operatorToken')).mode & 0o777).toBe(0o600);
    const again = loadOrCreateSecret(join(dir, 'a'), 'operatorToken', undefined);
    expect(again).toEqual({ value: first.value, source: 'file', file: first.file });
    expect(readSecret(join(dir, 'a'), 'operatorToken')).toBe(first.value);
  });

  it('a configured secret wins and is never written to disk', () => {
    const s = loadOrCreateSecret(join(dir, 'b'), 'webhookToken', 'configured-secret-value');
    expect(s).toEqual({ value: 'configured-secret-value', source: 'configured' });
    expect(readSecret(join(dir, 'b'), 'webhookToken')).toBeUndefined();
  });

  it('tightens a file others can read to 0600', () => {
    const file = secretFile(join(dir, 'a'), 'webhookToken');
    writeFileSync(file, 'hand-written-token-1234\n');
    chmodSync(file, 0o644);
    expect(loadOrCreateSecret(join(dir, 'a'), 'webhookToken', undefined).value).toBe('hand-written-token-1234');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('the platform keeps its tokens across a restart', () => {
  it('the operator token and the drift webhook token survive; IPO_OPERATOR_TOKEN overrides the file', async () => {
    const first = await startTestPlatform();
    const { operatorToken, webhookToken } = first.platform;
    expect(operatorToken.source).toBe('generated');
    await first.platform.close();
    const { startPlatform } = await import('../../shared/platform/server.js');
    const { loadConfig } = await import('../../shared/config.js');
    const again = await startPlatform(loadConfig(first.env), { scheduler: false, watchLanding: false });
    try {
      expect(again.operatorToken).toMatchObject({ value: operatorToken.value, source: 'file' });
      expect(again.webhookToken).toBe(webhookToken);
      expect(readFileSync(join(first.dir, 'webhook-token'), 'utf8').trim()).toBe(webhookToken);
    } finally {
      await again.close();
    }
    const configured = await startPlatform(
      loadConfig({ ...first.env, IPO_OPERATOR_TOKEN: 'an-operator-token-from-env' }),
      { scheduler: false, watchLanding: false },
    );
    try {
      expect(configured.operatorToken).toEqual({ value: 'an-operator-token-from-env', source: 'configured' });
      const res = await fetch(`${configured.url}/api/status`, {
        headers: { authorization: 'Bearer an-operator-token-from-env' },
      });
      expect(res.status).toBe(200);
      expect(
        (await fetch(`${configured.url}/api/status`, { headers: { authorization: `Bearer ${operatorToken.value}` } }))
          .status,
      ).toBe(401);
    } finally {
      await configured.close();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});
