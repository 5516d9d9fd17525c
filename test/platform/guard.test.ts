/**
 * The local platform's front door, tested the way an attacker would try it: no token, a wrong
 * token, a token in a URL, a cross-site page posting with the operator's session, a DNS-rebinding
 * Host, a page framing the console. Every refused request must leave the bus untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startTestPlatform, type RawReply, type TestPlatform } from './support.js';

let t: TestPlatform;
let url: string;
let port: string;

beforeAll(async () => {
  t = await startTestPlatform();
  url = t.platform.url;
  port = new URL(url).port;
});
afterAll(async () => {
  await t.close();
});

const rollback = JSON.stringify({
  type: 'promotion.command',
  action: 'rollback',
  modelId: 'ipo-valuation',
  actor: 'operator@local',
  reason: 'attack',
});
/** Messages the bus has taken so far, once every delivery settled. */
async function published(): Promise<number> {
  await t.platform.stack.bus.whenIdle();
  const s = t.platform.stack.bus.stats();
  return s.pending + s.inflight + s.acked + s.dead;
}
const code = (r: RawReply) => r.json().error.code;

async function login(): Promise<string> {
  const res = await rawRequest(
    url,
    'POST',
    '/api/session',
    { 'content-type': 'application/json', origin: url },
    JSON.stringify({ token: t.platform.operatorToken.value }),
  );
  expect(res.status).toBe(200);
  const cookie = String(res.headers['set-cookie']);
  return cookie.split(';')[0];
}

describe('authentication', () => {
  it('every API route, the prediction endpoint, actuals and the event stream need the operator token', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/status'],
      ['GET', '/api/models/ipo-valuation'],
      ['GET', '/api/audit'],
      ['GET', '/api/events'],
      ['GET', '/api/outcomes?topic=promotions&key=k'],
      ['GET', '/api/dead-letters'],
      ['POST', '/api/publish/promotions'],
      ['POST', '/api/dead-letters/replay'],
      ['POST', '/v1/projects/local/locations/local/endpoints/ipo-valuation-endpoint:predict'],
      ['POST', '/v1/actuals'],
    ];
    for (const [method, path] of routes) {
      const res = await rawRequest(
        url,
        method,
        path,
        { 'content-type': 'application/json' },
        method === 'POST' ? rollback : undefined,
      );
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(code(res)).toBe('AUTH.REQUIRED');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="ipo-mlops"');
    }
    expect(await published()).toBe(0);
  });

  it('a wrong token, a token of another length, or a non-bearer scheme is refused', async () => {
    const token = t.platform.operatorToken.value;
    for (const authorization of [
      `Bearer ${token.slice(0, -1)}x`,
      `Bearer ${token}x`,
      'Bearer x',
      `Basic ${token}`,
      `Bearer ${token} extra`,
    ]) {
      const res = await rawRequest(
        url,
        'POST',
        '/api/publish/promotions',
        { authorization, 'content-type': 'application/json' },
        rollback,
      );
      expect(res.status, authorization).toBe(401);
    }
    expect(code(await rawRequest(url, 'GET', '/api/status', { authorization: 'Bearer wrong-token' }))).toBe(
      'AUTH.INVALID_TOKEN',
    );
    expect(await published()).toBe(0);
  });

  it('the token in a query string is never accepted (it would end up in history and logs)', async () => {
    const token = encodeURIComponent(t.platform.operatorToken.value);
    expect((await rawRequest(url, 'GET', `/api/status?token=${token}`)).status).toBe(401);
    expect((await rawRequest(url, 'GET', `/api/status?access_token=${token}`)).status).toBe(401);
    const page = await rawRequest(url, 'GET', `/console/?token=${token}`);
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/console/login?next=%2Fconsole%2F');
  });

  it('the right bearer token reads and publishes', async () => {
    expect((await rawRequest(url, 'GET', '/api/status', t.auth())).status).toBe(200);
    const res = await rawRequest(
      url,
      'POST',
      '/api/publish/retrain-requests',
      { ...t.auth(), 'content-type': 'application/json' },
      JSON.stringify({ type: 'retrain.requested', reason: 'manual', requestedBy: 'ops@example.com' }),
    );
    expect(res.status).toBe(202);
  });
});

describe('console sessions', () => {
  it('pages redirect to the login page, which is served without a session', async () => {
    for (const path of [
      '/',
      '/console/',
      '/console/index.html',
      '/console/js/app.js',
      '/console/vendor/uPlot.iife.min.js',
    ]) {
      const res = await rawRequest(url, 'GET', path);
      expect(res.status, path).toBe(302);
      expect(res.headers.location).toBe(`/console/login?next=${encodeURIComponent(path)}`);
    }
    const loginPage = await rawRequest(url, 'GET', '/console/login');
    expect(loginPage.status).toBe(200);
    expect(loginPage.body).toContain('type="password"');
    expect((await rawRequest(url, 'GET', '/console/js/login.js')).status).toBe(200);
  });

  it('a login with the token sets an HttpOnly, SameSite=Strict cookie; a wrong token sets none', async () => {
    const bad = await rawRequest(
      url,
      'POST',
      '/api/session',
      { 'content-type': 'application/json' },
      JSON.stringify({ token: 'guess-guess-guess-guess' }),
    );
    expect(bad.status).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    const ok = await rawRequest(
      url,
      'POST',
      '/api/session',
      { 'content-type': 'application/json' },
      JSON.stringify({ token: t.platform.operatorToken.value }),
    );
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(
      new RegExp(`^ipo_session_${port}=[\\w-]{40,}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200$`),
    );
  });

  it('a session reads pages and the API, publishes same-origin, and ends at logout', async () => {
    const cookie = await login();
    expect((await rawRequest(url, 'GET', '/console/', { cookie })).status).toBe(200);
    expect((await rawRequest(url, 'GET', '/api/status', { cookie })).status).toBe(200);
    const before = await published();
    const same = await rawRequest(
      url,
      'POST',
      '/api/publish/retrain-requests',
      { cookie, origin: url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      JSON.stringify({ type: 'retrain.requested', reason: 'manual', requestedBy: 'ops@example.com' }),
    );
    expect(same.status).toBe(202);
    expect(await published()).toBeGreaterThan(before);
    expect((await rawRequest(url, 'DELETE', '/api/session', { cookie, origin: url })).status).toBe(200);
    expect((await rawRequest(url, 'GET', '/api/status', { cookie })).status).toBe(401);
    expect((await rawRequest(url, 'GET', '/api/session', { cookie })).json()).toEqual({ authenticated: false });
  });
});

describe('cross-site requests and DNS rebinding', () => {
  it('a page on another site or another port cannot post with the operator session, nor log in', async () => {
    const cookie = await login();
    const before = await published();
    for (const origin of [
      'http://evil.example',
      `http://127.0.0.1:${Number(port) + 1}`,
      'null',
      `https://127.0.0.1:${port}`,
    ]) {
      const res = await rawRequest(
        url,
        'POST',
        '/api/publish/promotions',
        { cookie, origin, 'content-type': 'text/plain' },
        rollback,
      );
      expect(res.status, origin).toBe(403);
      expect(code(res)).toBe('HTTP.FOREIGN_ORIGIN');
      expect(
        (
          await rawRequest(
            url,
            'POST',
            '/api/session',
            { origin, 'content-type': 'application/json' },
            JSON.stringify({ token: t.platform.operatorToken.value }),
          )
        ).status,
      ).toBe(403);
    }
    // A form post or an <img> request carries no Origin on some browsers, but Sec-Fetch-Site.
    expect(
      (
        await rawRequest(
          url,
          'POST',
          '/api/publish/promotions',
          { cookie, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'content-type': 'text/plain' },
          rollback,
        )
      ).status,
    ).toBe(403);
    expect(
      (await rawRequest(url, 'GET', '/api/status', { cookie, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' }))
        .status,
    ).toBe(403);
    // Even the bearer token does not make a foreign origin acceptable.
    expect(
      (
        await rawRequest(
          url,
          'POST',
          '/api/publish/promotions',
          { ...t.auth(), origin: 'http://evil.example', 'content-type': 'application/json' },
          rollback,
        )
      ).status,
    ).toBe(403);
    expect(await published()).toBe(before);
  });

  it('a following a link from another site to the console is a navigation: it reaches the login page', async () => {
    const res = await rawRequest(url, 'GET', '/console/', {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
    });
    expect(res.status).toBe(302);
  });

  it('a DNS-rebinding page (its own host name resolving to 127.0.0.1) is refused even with a session or the token', async () => {
    const cookie = await login();
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1.evil.example:${port}`,
      `localhost:${Number(port) + 1}`,
      '127.0.0.1',
    ]) {
      const res = await rawRequest(
        url,
        'POST',
        '/api/publish/promotions',
        { host, cookie, ...t.auth(), 'content-type': 'application/json' },
        rollback,
      );
      expect(res.status, host).toBe(421);
      expect(code(res)).toBe('HTTP.BAD_HOST');
      expect((await rawRequest(url, 'GET', '/console/', { host, cookie })).status).toBe(421);
    }
    for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await rawRequest(url, 'GET', '/api/status', { host, ...t.auth() })).status, host).toBe(200);
    }
  });

  it('the drift webhook keeps its own contract: its query token, any Host (a tunnel may front it)', async () => {
    const incident = JSON.stringify({
      version: '1.2',
      incident: {
        incident_id: 'i-9',
        state: 'closed',
        started_at: 1577840461,
        policy_name: 'p',
        condition_name: 'c',
        summary: 's',
      },
    });
    const res = await rawRequest(
      url,
      'POST',
      '/webhooks/monitoring?token=wrong',
      { host: 'tunnel.example', 'content-type': 'application/json' },
      incident,
    );
    expect(res.status).toBe(401);
    const ok = await rawRequest(
      url,
      'POST',
      `/webhooks/monitoring?token=${encodeURIComponent(t.platform.webhookToken)}`,
      { host: 'tunnel.example', 'content-type': 'application/json' },
      incident,
    );
    expect(ok.status).toBe(200);
  });

  it('no page of the platform may be framed, sniffed or leak its URL as a referrer', async () => {
    const cookie = await login();
    for (const path of ['/', '/console/', '/console/login', '/api/status']) {
      const res = await rawRequest(url, 'GET', path, { cookie });
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['content-security-policy'], path).toBe("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('no-referrer');
    }
  });
});
