/**
 * Reads one Secret Manager secret version over the REST API (`GET /v1/{name}:access`) with
 * google-auth-library, which every Google client already loads (no extra SDK). The payload's
 * CRC32C is checked when the service sends it, as Google recommends. Used at cold start only, when
 * the value was not mounted as an environment variable by Cloud Run.
 */
import { PermanentError, TransientError, errorMessage } from '../../domain/errors.js';
import { httpStatusOf, restRequester } from './endpoints.js';

/** Options of {@link SecretManagerReader}. */
export interface SecretManagerReaderOptions {
  /** REST root; default https://secretmanager.googleapis.com. */
  apiEndpoint?: string;
  /** An auth client (a placeholder-token client for local fakes); default Application Default Credentials. */
  authClient?: object;
}

interface AccessResponse {
  payload?: { data?: string; dataCrc32c?: string };
}

/** Reads secret versions. */
export class SecretManagerReader {
  constructor(private readonly options: SecretManagerReaderOptions = {}) {}

  /** The UTF-8 value of a version (`projects/P/secrets/S/versions/V`). */
  async access(version: string): Promise<string> {
    const url = `${this.options.apiEndpoint ?? 'https://secretmanager.googleapis.com'}/v1/${version}:access`;
    let response: AccessResponse;
    try {
      response = (await (await restRequester(this.options.authClient)).request<AccessResponse>({ url, method: 'GET' }))
        .data;
    } catch (err) {
      throw mapError(err, version);
    }
    const data = Buffer.from(response.payload?.data ?? '', 'base64');
    const expected = response.payload?.dataCrc32c;
    if (expected !== undefined && BigInt(expected) !== BigInt(crc32c(data))) {
      throw new TransientError('CONFIG.SECRET_CORRUPT', `secret ${version}: payload checksum mismatch (read it again)`);
    }
    if (data.length === 0) throw new PermanentError('CONFIG.SECRET_EMPTY', `secret ${version} is empty`);
    return data.toString('utf8');
  }
}

function mapError(err: unknown, version: string): Error {
  const code = httpStatusOf(err);
  const message = `Secret Manager: reading ${version} failed: ${errorMessage(err)}`;
  if (code === 404)
    return new PermanentError('CONFIG.SECRET_NOT_FOUND', `${message} (does the secret have this version?)`, {
      version,
    });
  if (code === 401 || code === 403)
    return new PermanentError(
      'CONFIG.SECRET_FORBIDDEN',
      `${message} (grant roles/secretmanager.secretAccessor on the secret)`,
      { version },
    );
  if (code !== undefined && code >= 400 && code < 500 && code !== 429)
    return new PermanentError('CONFIG.SECRET_REJECTED', message, { version, code });
  return new TransientError('CONFIG.SECRET_UNAVAILABLE', message, { version, ...(code === undefined ? {} : { code }) });
}

const CRC32C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC32C (Castagnoli) of bytes, as Secret Manager reports it (a decimal int64). */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
