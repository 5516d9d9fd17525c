/**
 * `npm run package:functions`: compile with tsc, then zip the compiled functions and shared code
 * with package.json and package-lock.json into dist/function-source.zip, the archive Terraform
 * uploads (named by its MD5 there). The zip is deterministic (sorted entries, fixed timestamps),
 * so an unchanged build has an unchanged hash and Terraform does not redeploy. Node built-ins only.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** One file to store in a zip archive. */
export interface ZipEntry {
  /** Path inside the archive, with forward slashes. */
  name: string;
  data: Buffer;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3), as the zip format requires. */
export function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// 1980-01-01 00:00:00 in MS-DOS format: fixed so identical content gives identical bytes.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const UTF8_FLAG = 0x0800;
const LIMIT = 0xffffffff;

/** Write a zip archive (deflate, or store when deflate does not help). Entry order is kept. */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  if (entries.length >= 0xffff) throw new Error(`too many files for a zip without zip64: ${entries.length}`);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const deflated = deflateRawSync(entry.data, { level: 9 });
    const stored = deflated.length >= entry.data.length;
    const body = stored ? entry.data : deflated;
    const crc = crc32(entry.data);
    if (entry.data.length >= LIMIT || offset >= LIMIT)
      throw new Error(`archive too large for a zip without zip64 at ${entry.name}`);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_FLAG, 6);
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, so the external attributes are file modes
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8_FLAG, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);

    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}

/** Read an archive written by {@link writeZip} (or any zip without zip64), following its central directory as unzip does. */
export function readZip(zip: Buffer): ZipEntry[] {
  const end = zip.length - 22;
  if (end < 0 || zip.readUInt32LE(end) !== 0x06054b50)
    throw new Error('not a zip archive (no end of central directory record)');
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`corrupt central directory entry ${i}`);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const size = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const offset = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
    const raw = zip.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    out.push({ name, data });
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return out;
}

/** What goes into the archive: the runtime code and the files the buildpack installs from. */
export const ARCHIVE_DIRS = ['dist/functions', 'dist/shared'] as const;
/** Top-level files the archive always contains. */
export const ARCHIVE_FILES = ['package.json', 'package-lock.json'] as const;
/** The archive Terraform uploads (variable function_source_archive). */
export const ARCHIVE_PATH = 'dist/function-source.zip';

function filesUnder(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter(
      (p) =>
        statSync(join(abs, p)).isFile() && !p.endsWith('.zip') && !p.endsWith('.map') && !p.endsWith('.tsbuildinfo'),
    )
    .map((p) => relative(root, join(abs, p)).split(sep).join('/'));
}

/** Collect the archive's files under `root` (sorted, so the bytes depend on content only) and zip them. */
export function createArchive(root: string): { zip: Buffer; files: string[]; md5: string } {
  const entryPoint = 'dist/functions/index.js';
  if (!existsSync(join(root, entryPoint))) {
    throw new Error(
      `${entryPoint} is missing: the build did not produce the functions entry point (package.json "main")`,
    );
  }
  for (const f of ARCHIVE_FILES)
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: the buildpack installs dependencies from it`);
  const files = [...ARCHIVE_FILES, ...ARCHIVE_DIRS.flatMap((d) => filesUnder(root, d))].sort();
  const zip = writeZip(files.map((name) => ({ name, data: readFileSync(join(root, name)) })));
  return { zip, files, md5: createHash('md5').update(zip).digest('hex') };
}

/** Build with tsc, write dist/function-source.zip and its content-hash-named copy; returns the hash. */
export function packageFunctions(root: string): string {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (build.error) throw new Error(`could not run the TypeScript compiler: ${build.error.message}`);
  if (build.status !== 0)
    throw new Error(`tsc -p tsconfig.build.json failed (exit ${build.status}); fix the errors above and retry`);

  const { zip, files, md5 } = createArchive(root);
  const dist = join(root, 'dist');
  for (const old of readdirSync(dist).filter((f) => /^function-source-[0-9a-f]+\.zip$/.test(f)))
    rmSync(join(dist, old));
  writeFileSync(join(root, ARCHIVE_PATH), zip);
  const hashed = `dist/function-source-${md5.slice(0, 12)}.zip`;
  writeFileSync(join(root, hashed), zip);
  console.log(`${ARCHIVE_PATH}: ${files.length} files, ${zip.length} bytes, md5 ${md5} (copy: ${hashed})`);
  return md5;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  try {
    packageFunctions(resolve(import.meta.dirname, '..'));
  } catch (err) {
    console.error(`package:functions: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
