/**
 * Loads terraform/ with @cdktf/hcl2json and resolves the small set of expression forms the
 * configuration uses for data the tests check (literal locals, `toset(local.x)`, `each.value`
 * templates, `merge(local.a, local.b["k"])`). Anything else is reported as unresolvable, so a
 * refactor that hides topology behind computed expressions fails loudly instead of passing.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** A parsed HCL block body. */
export type Body = Record<string, unknown>;

/** One `resource "type" "name"` block. */
export interface ResourceBlock {
  type: string;
  name: string;
  file: string;
  body: Body;
}

/** One Terraform module directory, parsed. */
export interface TfModule {
  dir: string;
  files: Record<string, string>;
  resources: ResourceBlock[];
  modules: Record<string, Body>;
  variables: Record<string, Body>;
  outputs: Record<string, Body>;
  locals: Record<string, unknown>;
  terraform: Body[];
}

/** The repository's terraform/ directory. */
export const TERRAFORM_DIR = join(import.meta.dirname, '..', '..', 'terraform');
/** The event-function module directory. */
export const EVENT_FUNCTION_DIR = join(TERRAFORM_DIR, 'modules', 'event-function');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function first(value: unknown): Body {
  const body = Array.isArray(value) ? (value[0] as unknown) : value;
  if (!isRecord(body)) throw new Error(`expected a block, got ${JSON.stringify(value)}`);
  return body;
}

/** Parse every .tf file directly in `dir` (not sub-directories) into one module. */
export async function loadModule(dir: string): Promise<TfModule> {
  const mod: TfModule = {
    dir,
    files: {},
    resources: [],
    modules: {},
    variables: {},
    outputs: {},
    locals: {},
    terraform: [],
  };
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    mod.files[file] = text;
    const json = (await parse(file, text)) as Record<string, unknown>;
    for (const [type, byName] of Object.entries((json.resource ?? {}) as Record<string, Record<string, unknown>>)) {
      for (const [name, blocks] of Object.entries(byName))
        mod.resources.push({ type, name, file, body: first(blocks) });
    }
    for (const [name, blocks] of Object.entries((json.module ?? {}) as Record<string, unknown>))
      mod.modules[name] = first(blocks);
    for (const [name, blocks] of Object.entries((json.variable ?? {}) as Record<string, unknown>))
      mod.variables[name] = first(blocks);
    for (const [name, blocks] of Object.entries((json.output ?? {}) as Record<string, unknown>))
      mod.outputs[name] = first(blocks);
    for (const block of (json.locals ?? []) as Body[]) Object.assign(mod.locals, block);
    for (const block of (json.terraform ?? []) as Body[]) mod.terraform.push(block);
  }
  return mod;
}

/** Every .tf file under `dir`, recursively, as paths relative to it. */
export function listTfFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (entry.startsWith('.')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (entry.endsWith('.tf')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** The resource blocks of a type. */
export function resourcesOf(mod: TfModule, type: string): ResourceBlock[] {
  return mod.resources.filter((r) => r.type === type);
}

/** The single resource `type.name`, or an error naming it. */
export function resource(mod: TfModule, type: string, name: string): ResourceBlock {
  const found = mod.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`${type}.${name} is not declared in ${mod.dir}`);
  return found;
}

/** A nested block (`retry_policy`, `push_config`, ...) of a body, or undefined. */
export function block(body: Body, name: string): Body | undefined {
  const value = body[name];
  return value === undefined ? undefined : first(value);
}

/** A `dynamic "name"` block's content and for_each, or undefined. */
export function dynamicBlock(body: Body, name: string): { forEach: unknown; content: Body } | undefined {
  const dyn = block(body, 'dynamic');
  if (!dyn || dyn[name] === undefined) return undefined;
  const d = first(dyn[name]);
  return { forEach: d.for_each, content: first(d.content) };
}

/** Values a module's `var.x` resolves to (the literal inputs of one module block). */
export type Inputs = Record<string, unknown>;

function splitTopLevel(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of args) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

/**
 * Resolve a reference expression against literal locals and module inputs: `local.a`,
 * `local.a["k"]`, `var.x`, `toset(...)` and `merge(...)` of those. Literals pass through.
 */
export function resolve(value: unknown, locals: Record<string, unknown>, inputs: Inputs = {}): unknown {
  if (typeof value !== 'string') return value;
  const whole = /^\$\{(.*)\}$/s.exec(value);
  if (!whole) return value;
  return resolveExpr(whole[1].trim(), locals, inputs);
}

function resolveExpr(expr: string, locals: Record<string, unknown>, inputs: Inputs): unknown {
  const call = /^(merge|toset)\((.*)\)$/s.exec(expr);
  if (call) {
    const args = splitTopLevel(call[2]).map((a) => resolveExpr(a, locals, inputs));
    if (call[1] === 'toset') return args[0];
    return Object.assign(
      {},
      ...args.map((a) => {
        if (!isRecord(a)) throw new Error(`merge() argument is not a map: ${JSON.stringify(a)}`);
        return a;
      }),
    );
  }
  const ref = /^(local|var)\.([a-z_][a-z0-9_]*)(?:\["([^"]+)"\])?$/.exec(expr);
  if (ref) {
    const scope = ref[1] === 'local' ? locals : inputs;
    if (!(ref[2] in scope)) throw new Error(`unresolvable reference ${expr}`);
    let out = resolve(scope[ref[2]], locals, inputs);
    if (ref[3] !== undefined) {
      if (!isRecord(out) || !(ref[3] in out)) throw new Error(`unresolvable index ${expr}`);
      out = resolve(out[ref[3]], locals, inputs);
    }
    return out;
  }
  throw new Error(`unresolvable expression \${${expr}}`);
}

/** One instance of a `for_each` resource: its key and value. */
export interface Instance {
  key: string;
  value: unknown;
}

/** The instances of a resource: one per for_each element, or a single keyless one. */
export function instances(body: Body, locals: Record<string, unknown>, inputs: Inputs = {}): Instance[] {
  if (body.for_each === undefined) return [{ key: '', value: undefined }];
  const each = resolve(body.for_each, locals, inputs);
  if (Array.isArray(each)) return each.map((v) => ({ key: String(v), value: v }));
  if (isRecord(each)) return Object.entries(each).map(([key, value]) => ({ key, value }));
  throw new Error(`unresolvable for_each ${JSON.stringify(body.for_each)}`);
}

/**
 * Render a string attribute for one instance (`${each.key}`, `${each.value}`, and `${var.x}` of
 * string module inputs); errors if anything is left unresolved.
 */
export function render(template: unknown, instance: Instance, inputs: Inputs = {}): string {
  if (typeof template !== 'string') throw new Error(`expected a string, got ${JSON.stringify(template)}`);
  let out = template.replaceAll('${each.key}', instance.key).replaceAll('${each.value}', String(instance.value));
  for (const [name, value] of Object.entries(inputs)) {
    if (typeof value === 'string' && !value.includes('${')) out = out.replaceAll(`\${var.${name}}`, value);
  }
  if (out.includes('${')) throw new Error(`unresolvable template ${template}`);
  return out;
}

/** Depth-first walk over every (key, value) pair of a parsed body. */
export function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) for (const v of value) walk(v, visit);
  else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}
