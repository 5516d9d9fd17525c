/** Helpers for platform tests: a platform in a temporary data dir without training, and raw HTTP with any headers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config.js';
import { memoryLogger } from '../../shared/logging.js';
import { startPlatform, type Platform, type PlatformOptions } from '../../shared/platform/server.js';

/** A platform on a free port, its data dir, and clean-up. */
export interface TestPlatform {
  platform: Platform;
  dir: string;
  env: Record<string, string>;
  /** Headers carrying the operator token. */
  auth(): Record<string, string>;
  close(): Promise<void>;
}

/** Start a platform without the scheduler or the landing watcher (no training unless a test lands data). */
export async function startTestPlatform(
  env: Record<string, string> = {},
  options: PlatformOptions = {},
): Promise<TestPlatform> {
  const dir = mkdtempSync(join(tmpdir(), 'ipo-platform-'));
  const fullEnv = { IPO_DATA_DIR: dir, PORT: '0', IPO_BOOTSTRAP_SAMPLE_DATA: 'false', LOG_LEVEL: 'ERROR', ...env };
  const platform = await startPlatform(loadConfig(fullEnv), {
    scheduler: false,
    watchLanding: false,
    logger: memoryLogger(),
    ...options,
  });
  return {
    platform,
    dir,
    env: fullEnv,
    auth: () => ({ authorization: `Bearer ${platform.operatorToken.value}` }),
    async close() {
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw reply. */
export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = { error: { code: string; message: string } }>(): T;
}

/** Send a request with exactly these headers (Host included: fetch would not let a test forge it). */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers: { host: url.host, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
