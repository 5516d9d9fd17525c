/**
 * Serves the operator console: static files from `shared/platform/console/static/` under
 * `/console/` (`/console/login` is the login page; the guard lets only it through without a session), and uPlot from the installed package under `/console/vendor/` (no CDN: the
 * console works without internet).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS } from './http-util.js';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'console', 'static');
const require = createRequire(import.meta.url);
const UPLOT_DIR = join(dirname(require.resolve('uplot/package.json')), 'dist');
const VENDOR: Record<string, string> = {
  'uPlot.iife.min.js': join(UPLOT_DIR, 'uPlot.iife.min.js'),
  'uPlot.min.css': join(UPLOT_DIR, 'uPlot.min.css'),
};
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** Serve a console asset; resolves false when the path is not under /console. */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (url.pathname === '/console') {
    res.writeHead(302, { ...SECURITY_HEADERS, location: '/console/' });
    res.end();
    return true;
  }
  if (!url.pathname.startsWith('/console/') || req.method !== 'GET') return false;
  const path = decodeURIComponent(url.pathname.slice('/console/'.length));
  const rel = path === '' ? 'index.html' : path === 'login' ? 'login.html' : path;
  let file: string | undefined;
  if (rel.startsWith('vendor/')) file = VENDOR[rel.slice('vendor/'.length)];
  else {
    const candidate = normalize(join(STATIC_DIR, rel));
    if (candidate.startsWith(STATIC_DIR + sep)) file = candidate;
  }
  try {
    if (!file) throw new Error('not found');
    const body = await readFile(file);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    res.end(body);
  } catch {
    res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
    res.end(`console asset ${rel} not found`);
  }
  return true;
}
