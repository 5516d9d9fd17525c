/**
 * Operator commands: status, history, publish, approve, reject, rollback, retrain, cancel, traffic.
 * They talk to the local platform by default, or publish to Pub/Sub with `--gcp --project P`; every
 * command that sends a message waits for its recorded outcome (see operator-command.ts).
 */
import { readFileSync } from 'node:fs';
import { ValidationError, errorMessage, type Issue } from '../domain/errors.js';
import { isTopic, TOPICS, type Topic } from '../domain/topics.js';
import type { CliCommand } from './command.js';
import { operatorCommand, type Context } from './operator-command.js';
import { renderHistory, renderStatus } from './render.js';

/** Read `@file.json` or inline JSON, naming the argument in errors. */
export function jsonArgument(text: string, name = 'JSON'): unknown {
  const raw = text.startsWith('@') ? readFileSync(text.slice(1), 'utf8') : text;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new ValidationError('arguments', [{ path: name, message: `not valid JSON (${errorMessage(err)})` }]);
  }
}

function promotion(ctx: Context, action: string, extra: Record<string, unknown>): Record<string, unknown> {
  const v = ctx.values;
  return {
    type: 'promotion.command',
    action,
    modelId: ctx.modelId,
    actor: ctx.actor,
    ...(v.reason ? { reason: v.reason } : {}),
    ...(typeof v['requested-by'] === 'string' ? { requestedBy: v['requested-by'] } : {}),
    ...extra,
  };
}

function versionArg(positionals: string[], required: boolean): string | undefined {
  const version = positionals[0];
  if (required && version === undefined)
    throw new ValidationError('arguments', [{ path: 'VERSION', message: 'is required, e.g. 1.2.0' }]);
  return version;
}

/** All operator commands of this module. */
export const operatorCommands: CliCommand[] = [
  operatorCommand(
    ['status'],
    'Show what serves, the run in progress, open alerts and the last lifecycle events.',
    'status [--json]',
    async ({ client, values, io }) => {
      const status = await client.get('/api/status');
      if (values.json) io.out(JSON.stringify(status, null, 2));
      else renderStatus(status, io);
    },
  ),
  operatorCommand(
    ['history'],
    'Show the champion history: who held production, from when to when, and why.',
    'history [--model M] [--json]',
    async ({ client, values, io, modelId }) => {
      const model = await client.get(`/api/models/${encodeURIComponent(modelId)}`);
      if (values.json) io.out(JSON.stringify((model as { championHistory: unknown }).championHistory, null, 2));
      else renderHistory(model, io);
    },
  ),
  operatorCommand(
    ['publish'],
    `Validate a JSON message against TOPIC's contract, publish it and wait for its outcome. Topics: ${TOPICS.join(', ')}.`,
    'publish TOPIC \'{"type":...}\' | @file.json',
    async (ctx) => {
      const [topic, body] = ctx.positionals;
      const issues: Issue[] = [];
      if (topic === undefined || !isTopic(topic))
        issues.push({ path: 'TOPIC', message: `must be one of ${TOPICS.join(', ')}` });
      if (body === undefined) issues.push({ path: 'JSON', message: 'is required (inline JSON or @file.json)' });
      if (issues.length > 0) throw new ValidationError('arguments', issues);
      return ctx.send(topic as Topic, jsonArgument(body as string), `publish ${topic}`);
    },
  ),
  operatorCommand(
    ['approve'],
    'Approve a blessed version; it then goes to canary (or production if nothing serves yet).',
    'approve VERSION [--actor A] [--reason R]',
    async (ctx) => {
      const version = versionArg(ctx.positionals, true);
      return ctx.send('promotions', promotion(ctx, 'approve', { version }), `approve ${version}`);
    },
    { 'requested-by': { type: 'string' } },
  ),
  operatorCommand(['reject'], 'Reject a blessed or approved version.', 'reject VERSION --reason R', async (ctx) => {
    const version = versionArg(ctx.positionals, true);
    return ctx.send('promotions', promotion(ctx, 'reject', { version }), `reject ${version}`);
  }),
  operatorCommand(
    ['rollback'],
    'Roll back the canary (or, if none, production) to the last known-good version.',
    'rollback [VERSION] --reason R',
    async (ctx) => {
      const version = versionArg(ctx.positionals, false);
      return ctx.send(
        'promotions',
        promotion(ctx, 'rollback', version ? { version } : {}),
        `rollback${version ? ` ${version}` : ''}`,
      );
    },
  ),
  operatorCommand(
    ['traffic'],
    'Set the traffic split; percentages must sum to 100.',
    'traffic VERSION=PERCENT [VERSION=PERCENT ...]',
    async (ctx) => {
      const traffic: Record<string, number> = {};
      const issues: Issue[] = [];
      for (const pair of ctx.positionals) {
        const m = /^(\d+\.\d+\.\d+)=(\d+)$/.exec(pair);
        if (m) traffic[m[1]] = Number(m[2]);
        else issues.push({ path: pair, message: 'expected VERSION=PERCENT, e.g. 1.2.0=90' });
      }
      if (ctx.positionals.length === 0)
        issues.push({ path: 'VERSION=PERCENT', message: 'at least one pair is required' });
      if (issues.length > 0) throw new ValidationError('arguments', issues);
      return ctx.send('promotions', promotion(ctx, 'set-traffic', { traffic }), 'traffic');
    },
  ),
  operatorCommand(
    ['retrain'],
    'Request a retrain (reason manual by default); data defaults to the last landed dataset. Waits until the request is decided (started, joined or skipped), not until training ends.',
    'retrain [--data URI] [--reason TEXT]',
    async (ctx) => {
      const v = ctx.values;
      const data = {
        type: 'retrain.requested',
        modelId: ctx.modelId,
        reason: 'manual',
        requestedBy: ctx.actor,
        ...(typeof v.data === 'string' ? { dataUri: v.data } : {}),
        ...(v.reason ? { details: { note: v.reason } } : {}),
      };
      return ctx.send('retrain-requests', data, 'retrain');
    },
    { data: { type: 'string' } },
  ),
  operatorCommand(
    ['cancel'],
    'Cancel a training run (default: the run in flight); it ends `cancelled` when the pipeline stops.',
    'cancel [RUN_ID] [--reason TEXT]',
    async (ctx) => {
      const runId = ctx.positionals[0];
      const data = {
        type: 'run.cancel',
        modelId: ctx.modelId,
        actor: ctx.actor,
        ...(runId ? { runId } : {}),
        ...(ctx.values.reason ? { reason: ctx.values.reason } : {}),
      };
      return ctx.send('retrain-requests', data, `cancel ${runId ?? 'the run in flight'}`);
    },
  ),
];
