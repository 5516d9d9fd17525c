/** ArtifactStore on the local file system: `file://` URIs under a root directory. */
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PermanentError } from '../../domain/errors.js';
import type { ArtifactStore } from '../../ports/artifact-store.js';

/** A file-system artifact store rooted at a directory. */
export class FsArtifactStore implements ArtifactStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The file:// URI of a path under the root. */
  uri(relative: string): string {
    return pathToFileURL(path.join(this.root, relative)).href;
  }

  async write(uri: string, bytes: Uint8Array | string): Promise<void> {
    const file = toPath(uri);
    await mkdir(path.dirname(file), { recursive: true });
    // Write to a temporary file and rename, so readers never see a half-written artifact.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  }

  async read(uri: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(toPath(uri)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new PermanentError('ARTIFACT.NOT_FOUND', `no artifact at ${uri}`, { uri });
      throw err;
    }
  }

  async exists(uri: string): Promise<boolean> {
    try {
      await stat(toPath(uri));
      return true;
    } catch {
      return false;
    }
  }

  async list(prefixUri: string): Promise<string[]> {
    const prefix = toPath(prefixUri);
    const dir = prefixUri.endsWith('/') ? prefix : path.dirname(prefix);
    let entries: string[];
    try {
      entries = await readdir(dir, { recursive: true });
    } catch {
      return [];
    }
    const files: string[] = [];
    for (const e of entries.sort()) {
      const full = path.join(dir, e);
      if (!full.startsWith(prefix) || full.endsWith('.tmp')) continue;
      if ((await stat(full)).isFile()) files.push(pathToFileURL(full).href);
    }
    return files;
  }
}

function toPath(uri: string): string {
  if (!uri.startsWith('file://')) throw new PermanentError('ARTIFACT.BAD_URI', `expected a file:// URI, got ${uri}`, { uri });
  return fileURLToPath(uri);
}
