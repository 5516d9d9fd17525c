/**
 * ArtifactStore on the local file system: `file://` URIs confined to configured roots.
 *
 * A `file://` URI can arrive in a message (`dataUri`, `contractUri`), so the store never touches a
 * path outside its roots: `..` segments are resolved before the check, and symbolic links are
 * resolved (the target, or its deepest existing ancestor for a write) and must land inside a root's
 * real path too. Anything else is a permanent `ARTIFACT.OUTSIDE_ROOT` naming the URI, raised before
 * any read or write. Errors never carry file contents.
 */
import { lstat, mkdir, readFile, readdir, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PermanentError } from '../../domain/errors.js';
import type { ArtifactStore } from '../../ports/artifact-store.js';

/** Options of {@link FsArtifactStore}. */
export interface FsArtifactStoreOptions {
  /** Further directories (or single files) the store may use besides its root, e.g. the landing folder. */
  roots?: readonly string[];
}

/** A file-system artifact store rooted at a directory, confined to its roots. */
export class FsArtifactStore implements ArtifactStore {
  private readonly root: string;
  private readonly roots: readonly string[];

  constructor(root: string, options: FsArtifactStoreOptions = {}) {
    this.root = path.resolve(root);
    this.roots = [this.root, ...(options.roots ?? []).map((r) => path.resolve(r))];
  }

  /** The file:// URI of a path under the root. */
  uri(relative: string): string {
    return pathToFileURL(path.join(this.root, relative)).href;
  }

  async write(uri: string, bytes: Uint8Array | string): Promise<void> {
    const file = await this.confine(uri);
    await mkdir(path.dirname(file), { recursive: true });
    // Write to a temporary file and rename, so readers never see a half-written artifact.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  }

  async read(uri: string): Promise<Uint8Array> {
    const file = await this.confine(uri);
    try {
      return new Uint8Array(await readFile(file));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new PermanentError('ARTIFACT.NOT_FOUND', `no artifact at ${uri}`, { uri });
      if (code === 'EISDIR')
        throw new PermanentError('ARTIFACT.NOT_A_FILE', `${uri} is a directory, not an artifact`, { uri });
      throw err;
    }
  }

  async exists(uri: string): Promise<boolean> {
    const file = await this.confine(uri);
    try {
      await stat(file);
      return true;
    } catch {
      return false;
    }
  }

  async list(prefixUri: string): Promise<string[]> {
    const prefix = await this.confine(prefixUri);
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
      // A link inside the listed folder that points outside the roots is not listed.
      if (!(await this.isInside(full))) continue;
      if ((await stat(full)).isFile()) files.push(pathToFileURL(full).href);
    }
    return files;
  }

  /** The path of a URI, if it and its real location are inside a root; else ARTIFACT.OUTSIDE_ROOT. */
  private async confine(uri: string): Promise<string> {
    const file = toPath(uri);
    if (!(await this.isInside(file))) {
      throw new PermanentError(
        'ARTIFACT.OUTSIDE_ROOT',
        `${uri} is outside the artifact store's folders (${this.roots.join(', ')})`,
        { uri },
      );
    }
    return file;
  }

  private async isInside(file: string): Promise<boolean> {
    if (!this.roots.some((root) => within(root, file))) return false;
    // Where it really is (links resolved) must be inside a root too, not necessarily the same one.
    const real = await realOrDeepestAncestor(file);
    if (real === undefined) return false;
    for (const root of this.roots) {
      const realRoot = await realOrDeepestAncestor(root);
      if (realRoot !== undefined && within(realRoot, real)) return true;
    }
    return false;
  }
}

/** Whether `file` is `root` or below it (both absolute and normalised). */
function within(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The real path of `file` with every symbolic link resolved; for a path that does not exist yet, the
 * real path of its deepest existing ancestor joined with the rest (a write creates it there).
 * Undefined when it cannot be known: a dangling link (a write would follow it anywhere), a loop, no access.
 */
async function realOrDeepestAncestor(file: string): Promise<string | undefined> {
  const rest: string[] = [];
  for (let current = file; ; current = path.dirname(current)) {
    try {
      return path.join(await realpath(current), ...rest.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
      if (await isLink(current)) return undefined;
      if (path.dirname(current) === current) return file;
      rest.push(path.basename(current));
    }
  }
}

async function isLink(file: string): Promise<boolean> {
  try {
    return (await lstat(file)).isSymbolicLink();
  } catch {
    return false;
  }
}

function toPath(uri: string): string {
  if (!uri.startsWith('file://'))
    throw new PermanentError('ARTIFACT.BAD_URI', `expected a file:// URI, got ${uri}`, { uri });
  let file: string;
  try {
    file = fileURLToPath(uri);
  } catch {
    throw new PermanentError(
      'ARTIFACT.BAD_URI',
      `${uri} is not a valid file:// URI (it must name an absolute local path)`,
      { uri },
    );
  }
  return path.resolve(file);
}
