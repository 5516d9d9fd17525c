/** SecretManagerReader through google-auth-library against a fake Secret Manager REST API. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretManagerReader, crc32c } from '../../shared/adapters/gcp/secret-manager.secret-reader.js';
import { googleError, startFakeGcpServer, staticAuthClient, type FakeGcpServer } from '../support/fake-gcp-server.js';

const VERSION = 'projects/p/secrets/signing-key/versions/latest';
const PATH = `/v1/${VERSION}:access`;
let server: FakeGcpServer;
beforeAll(async () => {
  server = await startFakeGcpServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const reader = () => new SecretManagerReader({ apiEndpoint: server.url, authClient: staticAuthClient() });
const payload = (text: string, crc = crc32c(Buffer.from(text))) => ({
  body: { name: VERSION, payload: { data: Buffer.from(text).toString('base64'), dataCrc32c: String(crc) } },
});

describe('SecretManagerReader', () => {
  it('computes the Castagnoli CRC Secret Manager reports', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it("reads a version's UTF-8 value with the caller's credentials, checking its checksum", async () => {
    server.on('GET', PATH, payload('s3cret-ké'));
    expect(await reader().access(VERSION)).toBe('s3cret-ké');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].headers.authorization).toBe('Bearer test-token');
  });

  it('refuses a payload whose checksum does not match (transient: read it again)', async () => {
    server.on('GET', PATH, payload('tampered', 12345));
    await expect(reader().access(VERSION)).rejects.toMatchObject({ code: 'CONFIG.SECRET_CORRUPT', retryable: true });
  });

  it('maps missing, forbidden, empty and unavailable secrets to errors an operator can act on', async () => {
    server.on('GET', PATH, googleError(404, 'NOT_FOUND', 'Secret Version [x] not found'));
    await expect(reader().access(VERSION)).rejects.toMatchObject({
      code: 'CONFIG.SECRET_NOT_FOUND',
      retryable: false,
      message: expect.stringContaining(VERSION),
    });
    server.on('GET', PATH, googleError(403, 'PERMISSION_DENIED', 'denied'));
    await expect(reader().access(VERSION)).rejects.toMatchObject({
      code: 'CONFIG.SECRET_FORBIDDEN',
      retryable: false,
      message: expect.stringContaining('secretAccessor'),
    });
    server.on('GET', PATH, { body: { name: VERSION, payload: {} } });
    await expect(reader().access(VERSION)).rejects.toMatchObject({ code: 'CONFIG.SECRET_EMPTY', retryable: false });
    server.on('GET', PATH, googleError(503, 'UNAVAILABLE', 'try later'));
    await expect(reader().access(VERSION)).rejects.toMatchObject({
      code: 'CONFIG.SECRET_UNAVAILABLE',
      retryable: true,
    });
  });
});
