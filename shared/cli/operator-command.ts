/**
 * The frame every operator command shares: common options, the transport (local platform with the
 * operator token, or Pub/Sub), error printing, and waiting for a sent command's recorded outcome.
 * Exit codes: 0 done, 1 refused or failed, 2 usage error, 3 sent but no outcome within --timeout.
 */
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config.js';
import { formatIssues, ValidationError, errorMessage } from '../domain/errors.js';
import type { Topic } from '../domain/topics.js';
import { readSecret } from '../platform/secrets.js';
import type { CliCommand, CliIO } from './command.js';
import { httpClient, pubsubClient, type OperatorClient, type Sent } from './operator-client.js';
import { describeOutcome, waitForOutcome } from './outcome.js';

/** Exit codes of operator commands. */
export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3 } as const;

const COMMON = `Common options:
  --url URL        local platform (default http://$IPO_BIND_ADDRESS:$PORT, i.e. http://127.0.0.1:8080)
  --data-dir DIR   where the platform keeps its operator token (default IPO_DATA_DIR or .ipo-mlops);
                   IPO_OPERATOR_TOKEN overrides it
  --gcp            publish to Google Cloud Pub/Sub instead (needs --project; does not wait)
  --project P      Google Cloud project for --gcp
  --model M        model id (default ipo-valuation)
  --actor A        who acts (default operator@local; must be on the model's approver list)
  --reason TEXT    why (recorded in the audit log)
  --no-wait        send and return without waiting for the outcome
  --timeout S      seconds to wait for the outcome (default 30)
  --json           print JSON
  --help           show this help`;

const OPTIONS = {
  url: { type: 'string' },
  'data-dir': { type: 'string' },
  gcp: { type: 'boolean' },
  project: { type: 'string' },
  model: { type: 'string' },
  actor: { type: 'string' },
  reason: { type: 'string' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/** Parsed option values (common ones typed; command-specific ones as strings or booleans). */
export type Values = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean;
} & Record<string, string | boolean | undefined>;

/** What a command body gets. */
export interface Context {
  values: Values;
  positionals: string[];
  client: OperatorClient;
  io: CliIO;
  modelId: string;
  actor: string;
  /** Send a validated command and, unless --no-wait, wait for its outcome; returns the exit code. */
  send(topic: Topic, json: unknown, what: string): Promise<number>;
}

/** Extra options of one command. */
export type ExtraOptions = ParseArgsConfig['options'];

async function clientFor(v: Values): Promise<OperatorClient> {
  if (v.gcp) {
    if (!v.project) throw new ValidationError('options', [{ path: '--project', message: 'is required with --gcp' }]);
    return pubsubClient(v.project);
  }
  const config = loadConfig();
  const token = config.operatorToken ?? readSecret(path.resolve(v['data-dir'] ?? config.dataDir), 'operatorToken');
  const host = config.bindAddress.includes(':') ? `[${config.bindAddress}]` : config.bindAddress;
  return httpClient(v.url ?? `http://${host}:${config.port}`, token);
}

function timeoutMs(v: Values): number {
  const s = v.timeout === undefined ? 30 : Number(v.timeout);
  if (!(Number.isFinite(s) && s > 0 && s <= 3600))
    throw new ValidationError('options', [
      { path: '--timeout', message: `seconds from 1 to 3600, got "${v.timeout}"` },
    ]);
  return s * 1000;
}

/** Send, then wait for and print the outcome. */
async function sendAndSettle(ctx: Omit<Context, 'send'>, topic: Topic, json: unknown, what: string): Promise<number> {
  const { client, io, values: v } = ctx;
  const limit = timeoutMs(v);
  const sent: Sent = await client.publish(topic, json);
  const follow = `follow it with \`ipo-mlops status\` (idempotencyKey ${sent.idempotencyKey})`;
  if (v['no-wait'] || client.outcome === undefined) {
    if (v.json) io.out(JSON.stringify({ sent }, null, 2));
    else io.out(`${what}: sent as message ${sent.messageId}; ${follow}`);
    return EXIT.ok;
  }
  const settled = await waitForOutcome(client.outcome, sent, limit);
  if (v.json) io.out(JSON.stringify({ sent, outcome: settled.kind === 'timeout' ? null : settled.recorded }, null, 2));
  switch (settled.kind) {
    case 'done':
      if (!v.json) io.out(`${what}: ${describeOutcome(settled.recorded.outcome)}`);
      return EXIT.ok;
    case 'not-done':
      if (!v.json) io.err(`${what}: not done: ${describeOutcome(settled.recorded.outcome)}`);
      return EXIT.failed;
    case 'refused':
      if (!v.json)
        io.err(
          `${what}: refused: ${String(settled.recorded.outcome.message ?? 'no reason recorded')} (${String(settled.recorded.outcome.code ?? 'REJECTED')})`,
        );
      return EXIT.failed;
    case 'timeout':
      io.err(
        `${what}: sent as message ${sent.messageId}, but no outcome was recorded within ${limit / 1000} s; ${follow}`,
      );
      return EXIT.timeout;
  }
}

/** Build an operator command; `body` returns an exit code (or nothing for 0). */
export function operatorCommand(
  words: string[],
  summary: string,
  usage: string,
  body: (ctx: Context) => Promise<number | void>,
  extra: ExtraOptions = {},
  more = '',
): CliCommand {
  const help = `Usage: ipo-mlops ${usage}\n\n${summary}${more ? `\n\n${more}` : ''}\n\n${COMMON}`;
  return {
    path: words,
    summary,
    help,
    async run(args, io) {
      let parsed;
      try {
        parsed = parseArgs({ args, options: { ...OPTIONS, ...extra }, allowPositionals: true, strict: true });
      } catch (err) {
        io.err(`ipo-mlops ${words.join(' ')}: ${errorMessage(err)}\n\n${help}`);
        return EXIT.usage;
      }
      const values = parsed.values as Values;
      if (values.help) return (io.out(help), EXIT.ok);
      let client: OperatorClient | undefined;
      try {
        client = await clientFor(values);
        const base = {
          values,
          positionals: parsed.positionals,
          client,
          io,
          modelId: values.model ?? 'ipo-valuation',
          actor: values.actor ?? 'operator@local',
        };
        const code = await body({ ...base, send: (topic, json, what) => sendAndSettle(base, topic, json, what) });
        return code ?? EXIT.ok;
      } catch (err) {
        io.err(
          err instanceof ValidationError
            ? `ipo-mlops ${words.join(' ')}: ${err.message.split(': ')[0]}:\n  - ${formatIssues(err.issues).split('; ').join('\n  - ')}`
            : `ipo-mlops ${words.join(' ')}: ${errorMessage(err)}`,
        );
        return EXIT.failed;
      } finally {
        await client?.close();
      }
    },
  };
}
