/**
 * Secrets of the local platform (operator token, drift webhook token): taken from configuration when
 * set, else read from a file under the data directory, else generated once and kept there with 0600
 * permissions, so they survive a restart and the CLI on the same machine can find them.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** File names of the persisted secrets under the data directory. */
export const SECRET_FILES = { operatorToken: 'operator-token', webhookToken: 'webhook-token' } as const;
/** A persisted secret's name. */
export type SecretName = keyof typeof SECRET_FILES;

/** A secret and where it came from (`configured` ones are never written to disk). */
export interface Secret {
  value: string;
  source: 'configured' | 'file' | 'generated';
  /** The file that holds it (absent for a configured secret). */
  file?: string;
}

/** The path of a persisted secret. */
export function secretFile(dataDir: string, name: SecretName): string {
  return join(dataDir, SECRET_FILES[name]);
}

/** Read a persisted secret if its file exists (the CLI uses this to find the operator token). */
export function readSecret(dataDir: string, name: SecretName): string | undefined {
  const file = secretFile(dataDir, name);
  if (!existsSync(file)) return undefined;
  const value = readFileSync(file, 'utf8').trim();
  return value === '' ? undefined : value;
}

/**
 * The configured value, else the persisted one, else a new random one written with 0600 permissions.
 * A persisted file readable by others is tightened to 0600.
 */
export function loadOrCreateSecret(dataDir: string, name: SecretName, configured: string | undefined): Secret {
  if (configured !== undefined) return { value: configured, source: 'configured' };
  const file = secretFile(dataDir, name);
  const existing = readSecret(dataDir, name);
  if (existing !== undefined) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return { value: existing, source: 'file', file };
  }
  mkdirSync(dirname(file), { recursive: true });
  const value = randomBytes(32).toString('base64url');
  try {
    // `wx`: never overwrite a file another process created in the meantime.
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const raced = (err as NodeJS.ErrnoException).code === 'EEXIST' ? readSecret(dataDir, name) : undefined;
    if (raced === undefined) throw err;
    return { value: raced, source: 'file', file };
  }
  return { value, source: 'generated', file };
}
