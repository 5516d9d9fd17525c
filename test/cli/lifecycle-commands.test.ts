/**
 * alerts, policy, cancel and dlq against a running platform. The requests are checked as sent (and
 * validated against the contracts of this build); the end-to-end outcomes of policy.update,
 * alert.command and run.cancel need the governance and signals services: those tests run once the
 * contracts accept the commands (after the merge) and print SKIPPED until then.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../shared/domain/state.js';
import { startTestPlatform, type TestPlatform } from '../platform/support.js';
import { cli, contractAccepts, seedAlert, seedModel } from './support.js';

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
  await seedModel(t, 'ipo-valuation', { canaryPercent: 15 });
  await seedAlert(t, 'alert-a', 'data drift: 2 of 6 columns drifted');
  await seedAlert(t, 'alert-b', 'prediction drift 0.14 >= 0.1');
});
afterAll(async () => {
  await t.close();
});

const POLICY_UPDATE = {
  type: 'policy.update',
  modelId: 'ipo-valuation',
  actor: 'operator@local',
  policy: { canaryPercent: 20 },
};
const ALERT_ACK = { type: 'alert.command', action: 'ack', alertId: 'alert-a', actor: 'operator@local' };
const RUN_CANCEL = { type: 'run.cancel', modelId: 'ipo-valuation', actor: 'operator@local' };
const pending = (what: string, ready: boolean) => {
  if (!ready)
    console.warn(
      `SKIPPED: end-to-end ${what} (the contract of this build does not accept it yet; runs after the merge)`,
    );
  return !ready;
};

describe('alerts', () => {
  it('alerts list shows open alerts newest first; --state all and --json', async () => {
    const { code, io } = await cli(t, 'alerts', 'list');
    expect(code).toBe(0);
    expect(io.lines[0]).toMatch(/^id\s+model\s+signal\s+state\s+opened/);
    expect(
      io.lines
        .slice(1)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual(['alert-a', 'alert-b']);
    const json = await cli(t, 'alerts', 'list', '--state', 'closed', '--json');
    expect(JSON.parse(json.io.lines.join('\n'))).toEqual([]);
    expect((await cli(t, 'alerts', 'list', '--state', 'closed')).io.lines).toEqual(['no closed alerts']);
    expect((await cli(t, 'alerts', 'list', '--state', 'acknowledged')).io.errors.join('\n')).toMatch(
      /--state: must be one of open, closed, all \(an acknowledged alert is open\)/,
    );
    expect((await cli(t, 'alerts', 'list', '--limit', '0')).io.errors.join('\n')).toMatch(
      /--limit: must be a positive whole number, got "0"/,
    );
  });

  it('alerts ack/close need an alert id and send alert.command (refused by a build without the contract, naming the type)', async () => {
    expect((await cli(t, 'alerts', 'ack')).io.errors.join('\n')).toMatch(/ALERT_ID: is required/);
    const { code, io } = await cli(t, 'alerts', 'ack', 'alert-a');
    if (contractAccepts('drift-alerts', ALERT_ACK)) expect(code).toBe(0);
    else {
      expect(code).toBe(1);
      expect(io.errors.join('\n')).toMatch(/type: unknown message type "alert\.command"/);
    }
  });

  it.skipIf(pending('alerts ack/close', contractAccepts('drift-alerts', ALERT_ACK)))(
    'ack keeps the alert open and records who; close closes it with the reason',
    async () => {
      expect((await cli(t, 'alerts', 'ack', 'alert-b', '--actor', 'operator@local')).code).toBe(0);
      expect((await t.platform.stack.store.get(COLLECTIONS.alerts, 'alert-b'))?.state).not.toBe('closed');
      const closed = await cli(t, 'alerts', 'close', 'alert-b', '--reason', 'false alarm: a data backfill');
      expect(closed.code).toBe(0);
      expect((await t.platform.stack.store.get(COLLECTIONS.alerts, 'alert-b'))?.state).toBe('closed');
      expect((await cli(t, 'alerts', 'list', '--state', 'closed')).io.lines.join('\n')).toContain('alert-b');
    },
  );
});

describe('policy', () => {
  it('policy show prints the effective policy with every default filled in', async () => {
    const { code, io } = await cli(t, 'policy', 'show');
    expect(code).toBe(0);
    expect(io.lines[0]).toBe('policy of ipo-valuation:');
    expect(io.lines.find((l) => /^\s+canaryPercent\s/.test(l))).toMatch(/15$/);
    expect(io.lines.find((l) => /^\s+approvers\s/.test(l))).toContain('["operator@local","automation"]');
    const json = JSON.parse((await cli(t, 'policy', 'show', '--json')).io.lines.join('\n')) as {
      policy: { retrain: { minNewRows: number } };
    };
    expect(json.policy.retrain.minNewRows).toBe(500);
    expect((await cli(t, 'policy', 'show', '--model', 'nope')).io.errors.join('\n')).toMatch(
      /model nope does not exist/,
    );
  });

  it('policy set validates its arguments before sending', async () => {
    expect((await cli(t, 'policy', 'set')).io.errors.join('\n')).toMatch(
      /PATH=VALUE: at least one field to change is required/,
    );
    expect((await cli(t, 'policy', 'set', 'canaryPercent')).io.errors.join('\n')).toMatch(
      /canaryPercent: expected PATH=VALUE/,
    );
    expect((await cli(t, 'policy', 'set', '--patch', '[1]')).io.errors.join('\n')).toMatch(
      /--patch: must be a JSON object/,
    );
  });

  it('policy set sends policy.update (refused by a build without the contract, naming the type)', async () => {
    const { code, io } = await cli(t, 'policy', 'set', 'canaryPercent=20', '--reason', 'smaller blast radius');
    if (contractAccepts('promotions', POLICY_UPDATE)) expect(code).toBe(0);
    else {
      expect(code).toBe(1);
      expect(io.errors.join('\n')).toMatch(/type: unknown message type "policy\.update"/);
    }
  });

  it.skipIf(pending('policy set', contractAccepts('promotions', POLICY_UPDATE)))(
    'policy set changes the field, policy show shows it, and a non-approver is refused',
    async () => {
      const ok = await cli(t, 'policy', 'set', 'canaryPercent=25', 'gate.mustBeatBaseline=false', '--reason', 'tuning');
      expect(ok.code).toBe(0);
      expect(ok.io.lines.join('\n')).toMatch(/policy set canaryPercent, gate: policy-updated/);
      const shown = JSON.parse((await cli(t, 'policy', 'show', '--json')).io.lines.join('\n')) as {
        policy: { canaryPercent: number; gate: { mustBeatBaseline: boolean } };
      };
      expect(shown.policy).toMatchObject({ canaryPercent: 25, gate: { mustBeatBaseline: false } });
      const refused = await cli(t, 'policy', 'set', 'canaryPercent=50', '--actor', 'mallory@example.com');
      expect(refused.code).toBe(1);
      expect(refused.io.errors.join('\n')).toMatch(/refused: .*mallory@example\.com/);
    },
  );
});

describe('cancel', () => {
  it('cancel sends run.cancel; a run that does not exist is refused with the reason and exit 1 (or, before the merge, the contract refuses the type)', async () => {
    const { code, io } = await cli(t, 'cancel', 'run-123', '--reason', 'wrong data');
    expect(code).toBe(1);
    if (contractAccepts('retrain-requests', RUN_CANCEL))
      expect(io.errors.join('\n')).toMatch(/^cancel run-123: refused: .*run-123/);
    else expect(io.errors.join('\n')).toMatch(/type: unknown message type "run\.cancel"/);
  });
});

describe('dead letters', () => {
  it('dlq list shows what the bus gave up on; a bad selector is a usage error', async () => {
    expect((await cli(t, 'dlq', 'list')).io.lines).toEqual(['no dead letters']);
    t.platform.stack.bus.subscribe(
      'lifecycle-events',
      'test-always-fails',
      async () => {
        throw new Error('receiver is down');
      },
      { maxDeliveryAttempts: 1 },
    );
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
    await t.platform.stack.bus.publish({ topic: 'lifecycle-events', data: event });
    await t.platform.stack.bus.whenIdle();
    const { code, io } = await cli(t, 'dlq', 'list', '--topic', 'lifecycle-events');
    expect(code).toBe(0);
    expect(io.lines[1]).toMatch(/^\d+\s+lifecycle-events\s+test-always-fails\s+1\s+\S+\s+.*receiver is down/);
    const json = JSON.parse((await cli(t, 'dlq', 'list', '--json')).io.lines.join('\n')) as { subscription: string }[];
    expect(json.map((d) => d.subscription)).toEqual(['test-always-fails']);
    expect((await cli(t, 'dlq', 'replay')).io.errors.join('\n')).toMatch(/--id \| --topic \| --all: give exactly one/);
    expect((await cli(t, 'dlq', 'replay', '--topic', 'nope')).io.errors.join('\n')).toMatch(/--topic: must be one of/);
    expect((await cli(t, 'dlq', 'list', '--topic', 'nope')).io.errors.join('\n')).toMatch(/--topic: must be one of/);
  });

  it("dlq replay reaches the API (which answers 501 until runtime's DeadLetters port is wired)", async () => {
    const { code, io } = await cli(t, 'dlq', 'replay', '--all');
    if (code !== 0) expect(io.errors.join('\n')).toMatch(/dead-letter replay is not available in this build/);
    else expect(io.lines.join('\n')).toMatch(/^replayed \d+ message/);
  });
});
