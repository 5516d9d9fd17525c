/**
 * What can be checked of docker/serving.Dockerfile without a Docker engine (none here): the CMD's
 * script is what the build stage's tsc emits for the composition root, the variables it sets are
 * options the container reads, EXPOSE is the default port, the runtime is Node 20 and not root, and
 * the build context excludes local dependencies and outputs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SERVING_OPTIONS } from '../../shared/serving/config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = readFileSync(`${root}docker/serving.Dockerfile`, 'utf8');
const instructions = dockerfile.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
const args = (keyword: string) =>
  instructions.filter((l) => l.startsWith(`${keyword} `)).map((l) => l.slice(keyword.length + 1).trim());
const stages = dockerfile.split(/^FROM /m).slice(1);
const buildConfig = JSON.parse(readFileSync(`${root}tsconfig.build.json`, 'utf8')) as {
  include: string[];
  compilerOptions?: { outDir?: string };
};
const baseConfig = JSON.parse(readFileSync(`${root}tsconfig.json`, 'utf8')) as {
  compilerOptions: { outDir: string; rootDir: string };
};

describe('docker/serving.Dockerfile', () => {
  it('runs the compiled composition root: the CMD script is the tsc output of shared/composition/serving.ts', () => {
    const [cmd] = args('CMD');
    const argv = JSON.parse(cmd) as string[];
    expect(argv[0]).toBe('node');
    const outDir = buildConfig.compilerOptions?.outDir ?? baseConfig.compilerOptions.outDir;
    expect(baseConfig.compilerOptions.rootDir).toBe('.');
    expect(argv[1].startsWith(`${outDir}/`)).toBe(true);
    const source = argv[1].slice(outDir.length + 1).replace(/\.js$/, '.ts');
    expect(source).toBe('shared/composition/serving.ts');
    expect(existsSync(`${root}${source}`)).toBe(true);
    expect(buildConfig.include).toContain('shared/**/*.ts');
    // The build stage compiles with that config and the runtime stage copies its output directory.
    expect(stages[0]).toMatch(/RUN npx tsc -p tsconfig\.build\.json/);
    expect(stages[1]).toMatch(new RegExp(`COPY --from=build /app/${outDir} \\./${outDir}`));
    expect(stages[1]).toMatch(/WORKDIR \/app/);
  });

  it('copies into the build stage every source folder the compiled program imports from', () => {
    // shared/composition/local.ts imports functions/: without it tsc fails in the image.
    for (const dir of ['shared', 'functions']) expect(stages[0]).toContain(`COPY ${dir} ./${dir}`);
    expect(stages[1]).toMatch(/npm ci --omit=dev/);
  });

  it('sets only variables the container reads, and exposes the default port', () => {
    const known = new Set([...Object.values(SERVING_OPTIONS).map((o) => o.env), 'NODE_ENV']);
    const envs = args('ENV').map((e) => e.split('=')[0]);
    expect(envs.filter((e) => !known.has(e))).toEqual([]);
    expect(args('EXPOSE')).toEqual([SERVING_OPTIONS.httpPort.default]);
    expect(args('ENV')).toContain(`AIP_HTTP_PORT=${SERVING_OPTIONS.httpPort.default}`);
  });

  it('runs Node 20 in both stages, as the unprivileged node user', () => {
    expect(stages.map((s) => s.split('\n')[0])).toEqual(['node:20-slim AS build', 'node:20-slim']);
    expect(args('USER')).toEqual(['node']);
    expect(instructions.indexOf('USER node')).toBeLessThan(instructions.findIndex((l) => l.startsWith('CMD ')));
  });

  it('keeps local dependencies and outputs out of the build context', () => {
    const ignored = readFileSync(`${root}.dockerignore`, 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});
