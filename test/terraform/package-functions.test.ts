import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createArchive, crc32, readZip, writeZip, type ZipEntry } from '../../scripts/package-functions.js';

const entries: ZipEntry[] = [
  { name: 'package.json', data: Buffer.from('{"name":"x","main":"dist/functions/index.js"}\n') },
  { name: 'dist/functions/index.js', data: Buffer.from('export const a = 1;\n'.repeat(200)) },
  { name: 'dist/shared/empty.js', data: Buffer.alloc(0) },
  { name: 'dist/shared/random.bin', data: Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) % 256)) },
  { name: 'dist/shared/ünïcode.js', data: Buffer.from('// ok\n') },
];

let tmp: string | undefined;
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

describe('zip writer', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('round-trips files of every kind (deflated, stored, empty, UTF-8 names)', () => {
    expect(readZip(writeZip(entries))).toEqual(entries);
  });

  it('is deterministic, so an unchanged build keeps its content hash', () => {
    expect(writeZip(entries).equals(writeZip(entries))).toBe(true);
    const changed = entries.map((e, i) => (i === 1 ? { ...e, data: Buffer.from('export const a = 2;\n') } : e));
    expect(writeZip(changed).equals(writeZip(entries))).toBe(false);
  });

  it('is accepted by unzip -t when unzip is installed', () => {
    const hasUnzip = spawnSync('unzip', ['-v'], { encoding: 'utf8' }).error === undefined;
    if (!hasUnzip) {
      console.warn('*** SKIPPED: unzip -t check (no unzip on PATH) ***');
      return;
    }
    tmp = mkdtempSync(join(tmpdir(), 'zip-'));
    const file = join(tmp, 'a.zip');
    writeFileSync(file, writeZip(entries));
    const res = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
    expect(res.stdout).toContain('No errors detected');
    expect(res.status).toBe(0);
  });
});

describe('createArchive', () => {
  function project(withEntry = true): string {
    tmp = mkdtempSync(join(tmpdir(), 'pkg-'));
    mkdirSync(join(tmp, 'dist', 'functions'), { recursive: true });
    mkdirSync(join(tmp, 'dist', 'shared', 'domain'), { recursive: true });
    mkdirSync(join(tmp, 'dist', 'bench'), { recursive: true });
    if (withEntry) writeFileSync(join(tmp, 'dist', 'functions', 'index.js'), 'export {};\n');
    writeFileSync(join(tmp, 'dist', 'shared', 'domain', 'topics.js'), 'export const TOPICS = [];\n');
    writeFileSync(join(tmp, 'dist', 'shared', 'domain', 'topics.js.map'), '{}');
    writeFileSync(join(tmp, 'dist', 'bench', 'run.js'), '');
    writeFileSync(join(tmp, 'dist', 'function-source.zip'), 'old archive');
    writeFileSync(join(tmp, 'package.json'), '{}');
    writeFileSync(join(tmp, 'package-lock.json'), '{}');
    return tmp;
  }

  it('packs the compiled functions and shared code with the package manifests, nothing else', () => {
    const { zip, files, md5 } = createArchive(project());
    expect(files).toEqual([
      'dist/functions/index.js',
      'dist/shared/domain/topics.js',
      'package-lock.json',
      'package.json',
    ]);
    expect(readZip(zip).map((e) => e.name)).toEqual(files);
    expect(md5).toMatch(/^[0-9a-f]{32}$/);
  });

  it('fails with a clear message when the build produced no entry point', () => {
    expect(() => createArchive(project(false))).toThrow(/dist\/functions\/index\.js is missing/);
  });
});
