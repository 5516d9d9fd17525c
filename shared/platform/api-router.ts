/** The local API's routing: a table of (method, path pattern, handler), query helpers, 405 for a wrong method. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Where } from '../ports/state-store.js';
import { HttpError } from '../http.js';
import { sendError, sendJson } from './http-util.js';

/** A route handler: resolves true when it handled the request. */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/** HTTP methods the API uses. */
export const METHODS = ['GET', 'POST', 'DELETE'] as const;
/** One of them. */
export type Method = (typeof METHODS)[number];

/** One API route: the handler gets the path pattern's match. */
export interface ApiRoute {
  method: Method;
  pattern: RegExp;
  handle: (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, url: URL) => Promise<void>;
}

/** Shorthand for a route. */
export function route(method: Method, pattern: RegExp, handle: ApiRoute['handle']): ApiRoute {
  return { method, pattern, handle };
}

/** A handler over a route table: the first pattern that matches decides (405 when only the method differs). */
export function router(routes: readonly ApiRoute[]): Handler {
  return async (req, res, url) => {
    const matching = routes.filter((r) => r.pattern.test(url.pathname));
    if (matching.length === 0) return false;
    const chosen = matching.find((r) => r.method === req.method);
    if (!chosen) {
      sendJson(
        res,
        405,
        {
          error: {
            code: 'HTTP.METHOD',
            message: `${url.pathname} accepts ${matching.map((r) => r.method).join(', ')}`,
          },
        },
        { allow: matching.map((r) => r.method).join(', ') },
      );
      return true;
    }
    try {
      await chosen.handle(req, res, chosen.pattern.exec(url.pathname) as RegExpExecArray, url);
    } catch (err) {
      sendError(res, err);
    }
    return true;
  };
}

/** The `limit` query parameter (1..1000, default 100). */
export function limitOf(url: URL): number {
  const n = Number(url.searchParams.get('limit') ?? 100);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new HttpError(400, 'API.BAD_LIMIT', 'limit: must be an integer from 1 to 1000');
  return n;
}

/** Equality filters from the query string, limited to `allowed` fields. */
export function filters(url: URL, allowed: readonly string[]): Where[] {
  const where: Where[] = [];
  for (const [key, value] of url.searchParams) {
    if (key === 'limit' || key === 'since') continue;
    if (!allowed.includes(key))
      throw new HttpError(400, 'API.BAD_FILTER', `${key}: not a filter here (use ${allowed.join(', ')})`);
    where.push({ field: key, op: '==', value });
  }
  return where;
}

/** A required query parameter, or a 400 naming it. */
export function requiredParam(url: URL, name: string, hint: string): string {
  const value = url.searchParams.get(name);
  if (value === null || value === '') throw new HttpError(400, 'API.MISSING_PARAMETER', `${name}: required (${hint})`);
  return value;
}
