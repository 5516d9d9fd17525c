/** What `npm start` prints: progress with an ETA, warnings, event lines; the JSON log in a file; one line for a busy port. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { memoryLogger } from '../../shared/logging.js';
import type { Doc, StateStore } from '../../shared/ports/state-store.js';
import { startPlatform } from '../../shared/platform/server.js';
import { createTerminal, eventLine, fileLogger, progressDisplay } from '../../shared/platform/terminal.js';
import { startTestPlatform } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'ipo-terminal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function screen(isTTY: boolean): { out: string[]; terminal: ReturnType<typeof createTerminal> } {
  const out: string[] = [];
  return { out, terminal: createTerminal((t) => void out.push(t), isTTY) };
}

const AT = '2026-01-01T00:00:00.000Z';

/** A reader over fixed documents whose run progress a test moves on. */
function docs(): { reader: Pick<StateStore, 'get' | 'query'>; run: Doc; model: Doc } {
  const model: Doc = {
    modelId: 'ipo',
    policy: {},
    championHistory: [],
    endpointId: 'ep',
    inFlightRunId: 'run-1',
    createdAt: AT,
    updatedAt: AT,
  };
  const run: Doc = {
    runId: 'run-1',
    modelId: 'ipo',
    state: 'running',
    reasons: [],
    dataUri: 'file:///d.csv',
    artifactUri: 'file:///a',
    pipelineJobId: 'j',
    attempt: 1,
    correlationId: 'c',
    createdAt: AT,
    updatedAt: AT,
    progress: { step: 'validate', stepStatus: 'started' },
  };
  const byCollection: Record<string, Record<string, Doc>> = { models: { ipo: model }, runs: { 'run-1': run } };
  return {
    model,
    run,
    reader: {
      get: <T extends Doc>(c: string, id: string) => Promise.resolve(byCollection[c]?.[id] as T | undefined),
      query: <T extends Doc>(c: string) =>
        Promise.resolve(Object.entries(byCollection[c] ?? {}).map(([id, data]) => ({ id, data: data as T }))),
    },
  };
}

describe('the npm start terminal', () => {
  it('rewrites one progress line in place on a terminal and ends it before the next line', () => {
    const tty = screen(true);
    tty.terminal.progress('epoch 1');
    tty.terminal.progress('epoch 2');
    tty.terminal.line('run finished');
    tty.terminal.endProgress();
    expect(tty.out.join('')).toBe('\r\x1b[Kepoch 1\r\x1b[Kepoch 2\nrun finished\n');
    const pipe = screen(false);
    pipe.terminal.progress('epoch 1');
    pipe.terminal.line('done');
    expect(pipe.out.join('')).toBe('epoch 1\ndone\n');
  });

  it('keeps the JSON log in a file and shows only warnings and errors, one readable line each', () => {
    const file = join(dir, 'platform.log');
    const { out, terminal } = screen(false);
    const logger = fileLogger(file, 'INFO', terminal, () => new Date('2026-01-01T10:11:12Z'));
    logger.log('DEBUG', 'tick');
    logger.log('INFO', 'monitor found nothing', { modelId: 'ipo' });
    logger.log('WARNING', 'outbox effect retried');
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.message)).toEqual(['monitor found nothing', 'outbox effect retried']);
    expect(lines[0]).toMatchObject({ severity: 'INFO', modelId: 'ipo' });
    expect(out).toEqual(['10:11:12  WARNING  outbox effect retried\n']);
  });

  it('prints a lifecycle event as one line with time, event, subject, actor and reason', () => {
    const line = eventLine({
      event: 'rollback.completed',
      occurredAt: '2026-01-01T09:08:07.000Z',
      subject: { kind: 'model', id: 'ipo' },
      actor: 'alice',
      reason: 'canary regressed',
    });
    expect(line).toMatch(/^09:08:07 {2}rollback\.completed +model ipo +alice: canary regressed$/);
  });

  it('shows the epochs of the run in flight with loss and ETA, step changes once, and ends the line when the run ends', async () => {
    const { reader, run, model } = docs();
    let now = 0;
    const { out, terminal } = screen(false);
    const display = progressDisplay(reader, terminal, { isTTY: false, now: () => now });
    await display.tick();
    await display.tick(); // the same step is not repeated
    for (let epoch = 1; epoch <= 20; epoch++) {
      now += 1000;
      run.progress = { step: 'train', epoch, epochs: 20, loss: 1 / epoch, valLoss: 2 / epoch };
      await display.tick();
    }
    run.progress = { step: 'evaluate', stepStatus: 'started' };
    await display.tick();
    model.inFlightRunId = null;
    await display.tick();
    expect(out[0]).toBe('  run run-1  validate\n');
    const epochs = out.filter((l) => l.includes(' epoch '));
    expect(epochs.map((l) => /epoch (\d+)\/20/.exec(l)?.[1])).toEqual([
      '1',
      '2',
      '4',
      '6',
      '8',
      '10',
      '12',
      '14',
      '16',
      '18',
      '20',
    ]);
    expect(epochs[1]).toMatch(/loss 0\.5000 {2}val 1\.0000 {2}ETA ≤ 18s\n$/);
    expect(epochs.at(-1)).toMatch(/ETA ≤ 0s\n$/);
    expect(out.at(-1)).toBe('  run run-1  evaluate\n');
  });

  it('off a terminal a poll that misses epochs still shows each tenth of the run, and a new phase from its start', async () => {
    const { reader, run } = docs();
    const { out, terminal } = screen(false);
    const display = progressDisplay(reader, terminal, { isTTY: false, now: () => 0 });
    for (const epoch of [3, 9, 13, 19, 21, 37, 100]) {
      run.progress = { step: 'train', epoch, epochs: 100, loss: 0.5 };
      await display.tick();
    }
    run.progress = { step: 'train', epoch: 2, epochs: 300, loss: 0.5, family: 'trees' };
    await display.tick();
    expect(out.map((l) => /epoch (\d+)\//.exec(l)?.[1])).toEqual(['3', '13', '21', '37', '100', '2']);
  });

  it('on a terminal shows every epoch on the same line', async () => {
    const { reader, run } = docs();
    const { out, terminal } = screen(true);
    const display = progressDisplay(reader, terminal, { isTTY: true, now: () => 0 });
    for (let epoch = 1; epoch <= 3; epoch++) {
      run.progress = { step: 'train', epoch, epochs: 3, loss: 0.5 };
      await display.tick();
    }
    expect(out.filter((l) => l.startsWith('\r\x1b[K'))).toHaveLength(3);
  });
});

describe('a busy port', () => {
  it('is one clear error naming the port and the way out, and the first platform keeps running', async () => {
    const first = await startTestPlatform();
    try {
      const port = new URL(first.platform.url).port;
      const second = startPlatform(loadConfig({ ...first.env, PORT: port }), {
        scheduler: false,
        watchLanding: false,
        logger: memoryLogger(),
      });
      await expect(second).rejects.toMatchObject({
        code: 'PLATFORM.PORT_IN_USE',
        message: expect.stringMatching(
          new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use .*set PORT to a free port$`),
        ) as unknown,
      });
      // The first platform still answers.
      expect((await fetch(`${first.platform.url}/api/status`, { headers: first.auth() })).status).toBe(200);
    } finally {
      await first.close();
    }
  });
});
