/**
 * Changing a model policy without editing the database: a patch (every field optional, no defaults,
 * `null` resets a field to its default) is merged field by field onto the current policy (objects
 * merge, arrays and scalars replace), the result is validated as a whole, and the change is
 * described leaf by leaf for the audit log.
 */
import { z } from 'zod';
import { modelPolicySchema, parsePolicy, type ModelPolicy, type ModelPolicyInput } from './policy.js';

/** A patch of `T`: any field may be left out, replaced, or reset to its default with `null`. */
export type DeepPatch<T> = {
  [K in keyof T]?:
    | (NonNullable<T[K]> extends readonly unknown[]
        ? T[K]
        : NonNullable<T[K]> extends object
          ? DeepPatch<NonNullable<T[K]>>
          : T[K])
    | null;
};

/** A policy patch as an operator writes it. */
export type PolicyPatch = DeepPatch<ModelPolicyInput>;

/** The patch schema of an object schema: defaults removed, every field optional and nullable, nested objects patched too. */
function patchOf(schema: z.ZodType): z.ZodType {
  let inner: z.ZodType = schema;
  if (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault) inner = inner.unwrap() as z.ZodType;
  if (inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  if (!(inner instanceof z.ZodObject)) return inner;
  const shape = Object.fromEntries(
    Object.entries(inner.shape as Record<string, z.ZodType>).map(([k, v]) => [k, patchOf(v).nullable().optional()]),
  );
  return z.strictObject(shape);
}

/** The schema of a policy patch, derived from the policy schema so the two never drift apart. */
export const policyPatchSchema = patchOf(modelPolicySchema) as z.ZodType<PolicyPatch>;

/** One changed leaf of the policy (arrays are leaves). */
export interface PolicyChange {
  /** Dotted path, e.g. `gate.scale`. */
  path: string;
  before: unknown;
  after: unknown;
}

/** The result of applying a patch, as a discriminated union. */
export type PolicyUpdate =
  { kind: 'updated'; policy: ModelPolicy; changes: PolicyChange[] } | { kind: 'unchanged'; policy: ModelPolicy };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merge `patch` onto `base`: objects field by field, arrays and scalars replace, `null` deletes the field. */
export function mergePatch(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = mergePatch(out[key], value);
    else out[key] = value;
  }
  return out;
}

/** Every leaf that differs between two policies, in path order. */
export function diffPolicy(before: ModelPolicy, after: ModelPolicy): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
        walk(a[key], b[key], path === '' ? key : `${path}.${key}`);
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      changes.push({ path, before: a ?? null, after: b ?? null });
    }
  };
  walk(before, after, '');
  return changes;
}

/**
 * Apply a patch to a stored policy. Throws `POLICY.INVALID` naming every offending field (`policy.gate.scale: ...`)
 * when the merged policy is not valid; nothing is half-applied.
 */
export function applyPolicyPatch(stored: unknown, patch: PolicyPatch): PolicyUpdate {
  const before = parsePolicy(stored);
  const after = parsePolicy(mergePatch(before as unknown as Record<string, unknown>, patch as Record<string, unknown>));
  const changes = diffPolicy(before, after);
  return changes.length === 0 ? { kind: 'unchanged', policy: after } : { kind: 'updated', policy: after, changes };
}
