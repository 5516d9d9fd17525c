/** Conversion of zod errors into the project's `Issue` list (one entry per problem, dotted paths). */
import type { z } from 'zod';
import type { Issue } from '../errors.js';

/** Join a prefix and a zod path into a dotted path (`traffic.1.0.0`, `incident.state`). */
export function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  const parts = path.map((p) => String(p));
  return [prefix, ...parts].filter((p) => p !== '').join('.');
}

/** Whether the issue is about an absent value (needs `reportInput: true`, else inferred from the message). */
function isMissing(issue: z.core.$ZodIssue): boolean {
  return 'input' in issue ? issue.input === undefined : issue.message.endsWith('received undefined');
}

/** Every problem of a zod error as `{path, message}`, paths optionally prefixed. */
export function zodIssues(error: z.ZodError, prefix = ''): Issue[] {
  const out: Issue[] = [];
  for (const issue of error.issues) {
    const path = joinPath(prefix, issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: joinPath(path, [key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_type' && isMissing(issue)) {
      out.push({ path, message: `required (expected ${issue.expected})` });
    } else if (issue.code === 'invalid_value' && isMissing(issue)) {
      out.push({ path, message: `required (expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')})` });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}
