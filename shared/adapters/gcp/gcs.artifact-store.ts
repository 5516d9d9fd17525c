/** ArtifactStore on Cloud Storage: `gs://bucket/path` URIs; the SDK is loaded on first use. */
import { AppError, PermanentError, TransientError } from '../../domain/errors.js';
import type { ArtifactStore } from '../../ports/artifact-store.js';

type StorageModule = typeof import('@google-cloud/storage');
type Storage = InstanceType<StorageModule['Storage']>;

/** Split `gs://bucket/path` into bucket and object name. */
export function parseGsUri(uri: string): { bucket: string; name: string } {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new PermanentError('ARTIFACT.BAD_URI', `expected a gs:// URI, got ${uri}`, { uri });
  return { bucket: m[1], name: m[2] };
}

const codeOf = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** A GCS artifact store rooted at `gs://bucket/prefix`. */
export class GcsArtifactStore implements ArtifactStore {
  private storage?: Promise<Storage>;

  /** `options` go to the Storage client (e.g. `apiEndpoint` for a fake server in tests). */
  constructor(
    private readonly root: string,
    private readonly options: Record<string, unknown> = {},
  ) {
    parseGsUri(root);
  }

  private async client(): Promise<Storage> {
    this.storage ??= import('@google-cloud/storage').then((m) => new m.Storage(this.options));
    return this.storage;
  }

  private async file(uri: string): Promise<ReturnType<ReturnType<Storage['bucket']>['file']>> {
    const { bucket, name } = parseGsUri(uri);
    return (await this.client()).bucket(bucket).file(name);
  }

  /** The gs:// URI of a path under the root. */
  uri(path: string): string {
    return `${this.root.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  }

  async write(uri: string, bytes: Uint8Array | string): Promise<void> {
    await wrap(uri, async () =>
      (await this.file(uri)).save(typeof bytes === 'string' ? bytes : Buffer.from(bytes), { resumable: false }),
    );
  }

  async read(uri: string): Promise<Uint8Array> {
    const [data] = await wrap(uri, async () => (await this.file(uri)).download());
    return new Uint8Array(data);
  }

  async exists(uri: string): Promise<boolean> {
    const [found] = await wrap(uri, async () => (await this.file(uri)).exists());
    return found;
  }

  async list(prefixUri: string): Promise<string[]> {
    const { bucket, name } = parseGsUri(prefixUri);
    const [files] = await wrap(prefixUri, async () => (await this.client()).bucket(bucket).getFiles({ prefix: name }));
    return files.map((f) => `gs://${bucket}/${f.name}`).sort();
  }
}

async function wrap<T>(uri: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // Our own errors (a bad gs:// URI) keep their code; only Cloud Storage failures are classified here.
    if (err instanceof AppError) throw err;
    const code = codeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    if (code === 404) throw new PermanentError('ARTIFACT.NOT_FOUND', `no artifact at ${uri}`, { uri });
    if (code === undefined || code === 429 || code >= 500)
      throw new TransientError('ARTIFACT.UNAVAILABLE', `Cloud Storage failed for ${uri}: ${message}`, { uri, code });
    throw new PermanentError('ARTIFACT.REJECTED', `Cloud Storage rejected ${uri}: ${message}`, { uri, code });
  }
}
