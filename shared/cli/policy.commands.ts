/**
 * `ipo-mlops policy show|set`: read a model's effective policy, and change fields of it with a
 * `policy.update` command (approvers only; validated, merged field by field, audited as `policy.updated`).
 */
import { ValidationError, type Issue } from '../domain/errors.js';
import type { CliCommand } from './command.js';
import { operatorCommand } from './operator-command.js';
import { jsonArgument } from './operator.commands.js';
import { table } from './render.js';

/** Leaf paths and values of a policy (arrays are leaves), in path order. */
export function flattenPolicy(value: unknown, prefix = ''): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [[prefix, {}]];
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([k, v]) => flattenPolicy(v, prefix ? `${prefix}.${k}` : k));
}

/** A value as typed on the command line: JSON when it parses (numbers, booleans, null, arrays, objects), else the text. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Build a policy patch from `PATH=VALUE` pairs (dotted paths; `null` resets a field to its default). */
export function policyPatch(pairs: readonly string[], base: Record<string, unknown> = {}): Record<string, unknown> {
  const patch = structuredClone(base);
  const issues: Issue[] = [];
  for (const pair of pairs) {
    const m = /^([A-Za-z][\w]*(?:\.[A-Za-z][\w]*)*)=(.*)$/s.exec(pair);
    if (!m) {
      issues.push({ path: pair, message: 'expected PATH=VALUE, e.g. canaryPercent=20 or gate.mustBeatBaseline=false' });
      continue;
    }
    const keys = m[1].split('.');
    let node = patch;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      if (next !== undefined && (next === null || typeof next !== 'object' || Array.isArray(next))) {
        issues.push({ path: m[1], message: `${key} is set to a value by another pair, it cannot also have fields` });
        node = {};
        break;
      }
      node = (node[key] ??= {}) as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = parseValue(m[2]);
  }
  if (issues.length > 0) throw new ValidationError('arguments', issues);
  return patch;
}

/** The policy commands. */
export const policyCommands: CliCommand[] = [
  operatorCommand(
    ['policy', 'show'],
    "Show a model's effective policy (every default filled in).",
    'policy show [--model M] [--json]',
    async ({ client, values, io, modelId }) => {
      const view = (await client.get(`/api/models/${encodeURIComponent(modelId)}/policy`)) as {
        modelId: string;
        policy: Record<string, unknown>;
        updatedAt: string;
      };
      if (values.json) return void io.out(JSON.stringify(view, null, 2));
      io.out(`policy of ${view.modelId}:`);
      for (const line of table([
        ['field', 'value'],
        ...flattenPolicy(view.policy).map(([k, v]) => [k, JSON.stringify(v)]),
      ]))
        io.out(`  ${line}`);
    },
  ),
  operatorCommand(
    ['policy', 'set'],
    'Change fields of a model policy (approvers only). The change is validated as a whole and audited with its before/after values.',
    "policy set PATH=VALUE [PATH=VALUE ...] [--patch '{...}' | @patch.json] --reason TEXT",
    async (ctx) => {
      const base = typeof ctx.values.patch === 'string' ? jsonArgument(ctx.values.patch, '--patch') : {};
      if (base === null || typeof base !== 'object' || Array.isArray(base))
        throw new ValidationError('arguments', [{ path: '--patch', message: 'must be a JSON object' }]);
      const patch = policyPatch(ctx.positionals, base as Record<string, unknown>);
      if (Object.keys(patch).length === 0)
        throw new ValidationError('arguments', [
          { path: 'PATH=VALUE', message: 'at least one field to change is required' },
        ]);
      const command = {
        type: 'policy.update',
        modelId: ctx.modelId,
        actor: ctx.actor,
        policy: patch,
        ...(ctx.values.reason ? { reason: ctx.values.reason } : {}),
      };
      return ctx.send('promotions', command, `policy set ${Object.keys(patch).join(', ')}`);
    },
    { patch: { type: 'string' } },
    'Values are JSON when they parse, else text: canaryPercent=20 autoApprove=false gate.scale=log\n' +
      '\'approvers=["alice@example.com","bob@example.com"]\'; PATH=null resets a field to its default. Objects merge\n' +
      'field by field, arrays replace (e.g. gate.valueThresholds).',
  ),
];
