/**
 * Where a Google client sends its requests. Every adapter can be pointed at another API root by
 * configuration (`IPO_*_API_ENDPOINT`): an `https://` root is a real (e.g. private) Google endpoint
 * and keeps Application Default Credentials; a plain `http://` root can only be a local emulator or
 * fake, so the client sends a placeholder token instead of looking for credentials, as the Pub/Sub
 * and Firestore SDKs do for their `*_EMULATOR_HOST`. google-auth-library is loaded only in that case.
 */

/** A parsed API root override. */
export interface ApiEndpoint {
  /** The URL as configured, without a trailing slash. */
  url: string;
  host: string;
  port: number;
  protocol: 'http' | 'https';
  /** True for plain http: a local emulator or fake, which gets no credentials. */
  local: boolean;
}

/** Parse an API root (`http(s)://host[:port]`); undefined stays undefined (the client's default). */
export function parseApiEndpoint(url: string | undefined): ApiEndpoint | undefined {
  if (url === undefined) return undefined;
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'http:' ? 'http' : 'https';
  return {
    url: url.replace(/\/+$/, ''),
    host: parsed.hostname,
    protocol,
    local: protocol === 'http',
    port: parsed.port === '' ? (protocol === 'http' ? 80 : 443) : Number(parsed.port),
  };
}

/** An auth client with a placeholder token, for local fakes only (they check no credentials). */
export async function placeholderAuthClient(): Promise<object> {
  const { OAuth2Client } = await import('google-auth-library');
  return new OAuth2Client({ credentials: { access_token: 'local-fake', expiry_date: Date.now() + 365 * 24 * 3600e3 } });
}

/** Connection options of a gax client (Vertex AI, Cloud Monitoring). */
export interface GaxEndpointOptions {
  apiEndpoint?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** The REST transport instead of gRPC. */
  fallback?: boolean;
  authClient?: object;
}

/**
 * Options of a gax client for an endpoint. A local endpoint uses the REST transport (`fallback`),
 * which needs no TLS, with the placeholder token.
 */
export async function gaxOptions(endpoint: ApiEndpoint | undefined): Promise<GaxEndpointOptions> {
  if (endpoint === undefined) return {};
  const base = { apiEndpoint: endpoint.host, port: endpoint.port, protocol: endpoint.protocol };
  return endpoint.local ? { ...base, fallback: true, authClient: await placeholderAuthClient() } : base;
}

/** Options of the REST clients (BigQuery, Secret Manager) for an endpoint. */
export async function restOptions(
  endpoint: ApiEndpoint | undefined,
): Promise<{ apiEndpoint?: string; authClient?: object }> {
  if (endpoint === undefined) return {};
  return endpoint.local
    ? { apiEndpoint: endpoint.url, authClient: await placeholderAuthClient() }
    : { apiEndpoint: endpoint.url };
}

/** Options of the Cloud Storage client: custom endpoints skip auth unless told otherwise, so https keeps it. */
export function storageOptions(endpoint: ApiEndpoint | undefined): Record<string, unknown> {
  if (endpoint === undefined) return {};
  return endpoint.local
    ? { apiEndpoint: endpoint.url }
    : { apiEndpoint: endpoint.url, useAuthWithCustomEndpoint: true };
}

/** What the REST adapters call: an auth client's `request` (google-auth-library, gaxios underneath). */
export interface RestRequester {
  request<T>(opts: { url: string; method: 'GET' | 'POST'; timeout?: number }): Promise<{ data: T }>;
}

/**
 * The given auth client (a placeholder-token client for local fakes), else Application Default
 * Credentials. google-auth-library is light next to a generated client and its protos, so a REST call
 * through it is the cheap way to make one request on a cold path.
 */
export async function restRequester(authClient?: object): Promise<RestRequester> {
  if (authClient !== undefined) return authClient as RestRequester;
  const { GoogleAuth } = await import('google-auth-library');
  return (await new GoogleAuth({
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
  }).getClient()) as unknown as RestRequester;
}

/** The HTTP status of a failed REST call (gaxios error), if the server answered. */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; response?: { status?: unknown } } | null;
  const status = e?.response?.status ?? e?.status;
  return typeof status === 'number' ? status : undefined;
}
