/**
 * Operator commands: status, history, publish, approve, reject, rollback, retrain, traffic.
 * They talk to the local platform by default, or publish to Pub/Sub with `--gcp --project P`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config.js';
import { formatIssues, ValidationError, errorMessage } from '../domain/errors.js';
import { isTopic, TOPICS, type Topic } from '../domain/topics.js';
import type { CliCommand, CliIO } from './command.js';
import { httpClient, pubsubClient, type OperatorClient } from './operator-client.js';
import { renderHistory, renderStatus } from './render.js';

const COMMON = `Common options:
  --url URL        local platform (default http://127.0.0.1:$PORT, PORT defaults to 8080)
  --gcp            publish to Google Cloud Pub/Sub instead (needs --project)
  --project P      Google Cloud project for --gcp
  --model M        model id (default ipo-valuation)
  --actor A        who acts (default operator@local; must be on the model's approver list)
  --reason TEXT    why (recorded in the audit log)
  --json           print JSON
  --help           show this help`;

const options = {
  url: { type: 'string' }, gcp: { type: 'boolean' }, project: { type: 'string' }, model: { type: 'string' }, actor: { type: 'string' },
  reason: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' }, percent: { type: 'string' }, data: { type: 'string' },
  'requested-by': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parse>['values'];

function parse(args: string[]) {
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

async function clientFor(v: Values): Promise<OperatorClient> {
  if (v.gcp) {
    if (!v.project) throw new ValidationError('options', [{ path: '--project', message: 'is required with --gcp' }]);
    return pubsubClient(v.project);
  }
  return httpClient(v.url ?? `http://127.0.0.1:${loadConfig().port}`);
}

/** Build a command whose body gets parsed options, positionals and a client. */
function command(path: string[], summary: string, usage: string, body: (v: Values, positionals: string[], client: OperatorClient, io: CliIO) => Promise<void>): CliCommand {
  const help = `Usage: ipo-mlops ${usage}\n\n${summary}\n\n${COMMON}`;
  return {
    path, summary, help,
    async run(args, io) {
      let parsed;
      try {
        parsed = parse(args);
      } catch (err) {
        io.err(`ipo-mlops ${path.join(' ')}: ${errorMessage(err)}\n\n${help}`);
        return 2;
      }
      if (parsed.values.help) {
        io.out(help);
        return 0;
      }
      let client: OperatorClient | undefined;
      try {
        client = await clientFor(parsed.values);
        await body(parsed.values, parsed.positionals, client, io);
        return 0;
      } catch (err) {
        io.err(err instanceof ValidationError ? `ipo-mlops ${path.join(' ')}: ${err.message.split(': ')[0]}:\n  - ${formatIssues(err.issues).split('; ').join('\n  - ')}` : `ipo-mlops ${path.join(' ')}: ${errorMessage(err)}`);
        return 1;
      } finally {
        await client?.close();
      }
    },
  };
}

function report(io: CliIO, v: Values, what: string, sent: { messageId: string; idempotencyKey: string; payload: unknown }): void {
  if (v.json) io.out(JSON.stringify(sent, null, 2));
  else io.out(`${what}: sent as message ${sent.messageId} (idempotencyKey ${sent.idempotencyKey}); follow it with \`ipo-mlops status\``);
}

function promotion(v: Values, action: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'promotion.command', action, modelId: v.model ?? 'ipo-valuation', actor: v.actor ?? 'operator@local',
    ...(v.reason ? { reason: v.reason } : {}), ...(v['requested-by'] ? { requestedBy: v['requested-by'] } : {}), ...extra,
  };
}

function versionArg(positionals: string[], required: boolean): string | undefined {
  const version = positionals[0];
  if (required && version === undefined) throw new ValidationError('arguments', [{ path: 'VERSION', message: 'is required, e.g. 1.2.0' }]);
  return version;
}

/** All operator commands. */
export const operatorCommands: CliCommand[] = [
  command(['status'], 'Show what serves, the run in progress, open alerts and the last lifecycle events.', 'status [--json]', async (v, _p, client, io) => {
    const status = await client.get('/api/status');
    if (v.json) io.out(JSON.stringify(status, null, 2));
    else renderStatus(status, io);
  }),
  command(['history'], 'Show the champion history: who held production, from when to when, and why.', 'history [--model M] [--json]', async (v, _p, client, io) => {
    const model = await client.get(`/api/models/${v.model ?? 'ipo-valuation'}`);
    if (v.json) io.out(JSON.stringify((model as { championHistory: unknown }).championHistory, null, 2));
    else renderHistory(model, io);
  }),
  command(['publish'], `Validate a JSON message against TOPIC's contract and publish it. Topics: ${TOPICS.join(', ')}.`, "publish TOPIC '{\"type\":...}' | @file.json", async (v, p, client, io) => {
    const [topic, body] = p;
    const issues = [];
    if (topic === undefined || !isTopic(topic)) issues.push({ path: 'TOPIC', message: `must be one of ${TOPICS.join(', ')}` });
    if (body === undefined) issues.push({ path: 'JSON', message: 'is required (inline JSON or @file.json)' });
    if (issues.length > 0) throw new ValidationError('arguments', issues);
    const text = (body as string).startsWith('@') ? readFileSync((body as string).slice(1), 'utf8') : (body as string);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ValidationError('arguments', [{ path: 'JSON', message: `not valid JSON (${errorMessage(err)})` }]);
    }
    report(io, v, `${topic}`, await client.publish(topic as Topic, json));
  }),
  command(['approve'], 'Approve a blessed version; it then goes to canary (or production if nothing serves yet).', 'approve VERSION [--actor A] [--reason R]', async (v, p, client, io) => {
    report(io, v, `approve ${p[0]}`, await client.publish('promotions', promotion(v, 'approve', { version: versionArg(p, true) })));
  }),
  command(['reject'], 'Reject a blessed or approved version.', 'reject VERSION --reason R', async (v, p, client, io) => {
    report(io, v, `reject ${p[0]}`, await client.publish('promotions', promotion(v, 'reject', { version: versionArg(p, true) })));
  }),
  command(['rollback'], 'Roll back the canary (or, if none, production) to the last known-good version.', 'rollback [VERSION] --reason R', async (v, p, client, io) => {
    const version = versionArg(p, false);
    report(io, v, 'rollback', await client.publish('promotions', promotion(v, 'rollback', version ? { version } : {})));
  }),
  command(['retrain'], 'Request a retrain (reason manual by default); data defaults to the last landed dataset.', 'retrain [--data URI] [--reason TEXT]', async (v, _p, client, io) => {
    const data = { type: 'retrain.requested', modelId: v.model ?? 'ipo-valuation', reason: 'manual', requestedBy: v.actor ?? 'operator@local', ...(v.data ? { dataUri: v.data } : {}), ...(v.reason ? { details: { note: v.reason } } : {}) };
    report(io, v, 'retrain', await client.publish('retrain-requests', data));
  }),
  command(['traffic'], 'Set the traffic split; percentages must sum to 100.', 'traffic VERSION=PERCENT [VERSION=PERCENT ...]', async (v, p, client, io) => {
    const traffic: Record<string, number> = {};
    const issues = [];
    for (const pair of p) {
      const m = /^(\d+\.\d+\.\d+)=(\d+)$/.exec(pair);
      if (m) traffic[m[1]] = Number(m[2]);
      else issues.push({ path: pair, message: 'expected VERSION=PERCENT, e.g. 1.2.0=90' });
    }
    if (p.length === 0) issues.push({ path: 'VERSION=PERCENT', message: 'at least one pair is required' });
    if (issues.length > 0) throw new ValidationError('arguments', issues);
    report(io, v, 'traffic', await client.publish('promotions', promotion(v, 'set-traffic', { traffic })));
  }),
];
