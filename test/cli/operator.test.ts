/**
 * The operator CLI against a running local platform: dispatch, the operator token, validation before
 * sending, and waiting for the recorded outcome (a refusal prints its reason and exits non-zero).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../shared/cli/main.js';
import { startTestPlatform, type TestPlatform } from '../platform/support.js';
import { captureIO, cli } from './support.js';

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t.close();
});

const published = async () => {
  await t.platform.stack.bus.whenIdle();
  const s = t.platform.stack.bus.stats();
  return s.pending + s.inflight + s.acked + s.dead;
};

describe('ipo-mlops operator commands', () => {
  it('prints usage for no command (exit 2) and for --help (exit 0); an unknown command says so', async () => {
    const a = captureIO();
    expect(await runCli([], a)).toBe(2);
    expect(a.lines.join('\n')).toMatch(/approve\s+Approve a blessed version/);
    expect(a.lines.join('\n')).toMatch(/alerts ack\s+Acknowledge an open alert/);
    const b = captureIO();
    expect(await runCli(['--help'], b)).toBe(0);
    const c = captureIO();
    expect(await runCli(['promote-everything'], c)).toBe(2);
    expect(c.errors.join('\n')).toMatch(/unknown command "promote-everything"/);
  });

  it('status --json reads the platform with the operator token found in the data dir', async () => {
    const { code, io } = await cli(t, 'status', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(io.lines.join('\n'))).toMatchObject({ models: [], openAlerts: [] });
  });

  it('without the token it says where the token is expected; with a wrong one that it was refused', async () => {
    const none = captureIO();
    expect(await runCli(['status', '--url', t.platform.url, '--data-dir', `${t.dir}/nowhere`], none)).toBe(1);
    expect(none.errors.join('\n')).toMatch(
      /no operator token found: set IPO_OPERATOR_TOKEN, or run where the platform keeps DATA_DIR\/operator-token \(--data-dir\)/,
    );
  });

  it('refuses a traffic split that does not sum to 100 before sending, naming the field', async () => {
    const before = await published();
    const { code, io } = await cli(t, 'traffic', '1.0.0=90');
    expect(code).toBe(1);
    expect(io.errors.join('\n')).toMatch(/traffic: percentages must sum to 100 \(got 90\)/);
    expect(await published()).toBe(before);
  });

  it('refuses bad arguments with what to fix', async () => {
    expect((await cli(t, 'approve')).io.errors.join('\n')).toMatch(/VERSION: is required/);
    expect((await cli(t, 'publish', 'nope', '{}')).io.errors.join('\n')).toMatch(/TOPIC: must be one of data-landed/);
    expect((await cli(t, 'publish', 'promotions', '{not json')).io.errors.join('\n')).toMatch(/JSON: not valid JSON/);
    expect((await cli(t, 'approve', '1.0.0', '--timeout', 'soon')).io.errors.join('\n')).toMatch(
      /--timeout: seconds from 1 to 3600, got "soon"/,
    );
    const d = captureIO();
    expect(await runCli(['status', '--bogus'], d)).toBe(2);
  });

  it('a refused approve 9.9.9 waits for the outcome, prints the reason and exits 1', async () => {
    const { code, io } = await cli(t, 'approve', '9.9.9', '--actor', 'operator@local');
    expect(code).toBe(1);
    expect(io.errors.join('\n')).toMatch(
      /^approve 9\.9\.9: refused: (modelId: )?model ipo-valuation does not exist \(PROMOTION\.UNKNOWN_MODEL\)$/m,
    );
  });

  it('--json prints the sent message and its recorded outcome', async () => {
    const { code, io } = await cli(t, 'reject', '9.9.9', '--reason', 'bad slice', '--json');
    expect(code).toBe(1);
    const reply = JSON.parse(io.lines.join('\n')) as {
      sent: { payload: { action: string }; dedupeKey: string };
      outcome: { status: string; outcome: { code: string } };
    };
    expect(reply.sent.payload.action).toBe('reject');
    expect(reply.outcome).toMatchObject({ status: 'rejected', outcome: { code: 'PROMOTION.UNKNOWN_MODEL' } });
  });

  it('--no-wait sends and returns at once with the keys to follow the command by', async () => {
    const { code, io } = await cli(t, 'rollback', '--reason', 'r', '--no-wait');
    expect(code).toBe(0);
    expect(io.lines.join('\n')).toMatch(
      /^rollback: sent as message \d+; follow it with `ipo-mlops status` \(idempotencyKey op-[0-9a-f-]+\)$/,
    );
  });

  it('a retrain that is skipped is not done: exit 1 with the reason', async () => {
    const { code, io } = await cli(t, 'retrain', '--reason', 'new filings');
    expect(code).toBe(1);
    expect(io.errors.join('\n')).toMatch(/^retrain: not done: skipped: no data has landed/m);
  });

  it('a message nobody records an outcome for times out with exit 3 and says how to follow it', async () => {
    const event = {
      type: 'lifecycle.event',
      event: 'run.requested',
      modelId: 'ipo-valuation',
      subject: { kind: 'run', id: 'r' },
      actor: 'a',
      reason: 'r',
      correlationId: 'c',
      occurredAt: new Date().toISOString(),
    };
    const { code, io } = await cli(t, 'publish', 'lifecycle-events', JSON.stringify(event), '--timeout', '1');
    expect(code).toBe(3);
    expect(io.errors.join('\n')).toMatch(/no outcome was recorded within 1 s; follow it with `ipo-mlops status`/);
  });

  it('says how to fix an unreachable platform', async () => {
    const io = captureIO();
    expect(await runCli(['status', '--url', 'http://127.0.0.1:9', '--data-dir', t.dir], io)).toBe(1);
    expect(io.errors.join('\n')).toMatch(
      /cannot reach the platform at http:\/\/127\.0\.0\.1:9: start it with `npm start`/,
    );
  });
});
