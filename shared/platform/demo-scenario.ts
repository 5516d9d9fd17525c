/**
 * The scripted multi-quarter scenario behind `npm run demo` and the end-to-end test: first model;
 * new quarters -> v1.1.0 canary -> its experiment, fed labelled traffic on later quarters, decides the promotion; a regime
 * shift -> drift alert -> retrain; a candidate that fails the gate is rejected; an operator rollback.
 * Every step checks that what should have happened did, through the same API operators use.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { experimentDocSchema, experimentId, type ModelPolicyInput } from '../domain/lifecycle/index.js';
import { COLLECTIONS, type VersionDoc, SCHEMAS } from '../domain/state.js';
import type { SamplePanel } from '../ml/sample-data.generator.js';
import { demoData, type DemoSize } from './demo-data.js';
import { startPlatform, type Platform } from './server.js';
import { getDoc, queryDocs } from '../services/documents.js';

/** One checked step. */
export interface StepResult {
  name: string;
  ok: boolean;
  detail: string;
  seconds: number;
}

/** The scenario's outcome. */
export interface DemoResult {
  ok: boolean;
  steps: StepResult[];
  timeline: { at: string; action: string; subject: string; actor: string; reason: string }[];
  final: {
    production?: string;
    split: Record<string, number>;
    versions: { version: string; state: string; r2: number; mape: number }[];
  };
}

const MODEL = 'ipo-valuation';
/** Quarters of history each company's request carries (its latest ones). */
const SERVED_QUARTERS = 10;
/** Rounds of labelled traffic the experiment gets to decide (each may extend it; the quick demo decides in the third). */
const MAX_EXPERIMENT_ROUNDS = 6;

/**
 * The demo's policy. An even A/B split gives both arms of the experiment the same amount of labelled
 * traffic. The drift window holds one round of traffic (every company's recent quarters), so each check
 * judges the latest round. The sample companies grow every quarter, so serving quarters after the training
 * window moves raw columns and many model inputs by growth alone; the demo sets the drift share by size
 * (see `DemoSize.driftShare`) and counts skew only when most inputs move, so the alert comes from the
 * regime shift, not from growth.
 */
function demoPolicy(size: DemoSize): ModelPolicyInput {
  return {
    canaryPercent: 50,
    retrain: { minNewRows: 10, cooldownMinutes: 0 },
    drift: { windowSize: size.companies * SERVED_QUARTERS, driftShare: size.driftShare, skewShare: 0.8 },
  };
}

/** Run the scenario in `dataDir` (which should be empty). */
export async function runDemoScenario(
  dataDir: string,
  size: DemoSize,
  log: (line: string) => void,
): Promise<DemoResult> {
  const data = demoData(size);
  const platform = await startPlatform(
    loadConfig({ IPO_DATA_DIR: dataDir, PORT: '0', IPO_BOOTSTRAP_SAMPLE_DATA: 'false', LOG_LEVEL: 'ERROR' }),
    { scheduler: false, watchLanding: false, hyperparameters: { epochs: size.epochs }, policy: demoPolicy(size) },
  );
  const steps: StepResult[] = [];
  const step = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
    const t0 = Date.now();
    log(`▶ ${name}`);
    try {
      const detail = await fn();
      steps.push({ name, ok: true, detail, seconds: (Date.now() - t0) / 1000 });
      log(`  ✔ ${detail} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      return true;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      steps.push({ name, ok: false, detail, seconds: (Date.now() - t0) / 1000 });
      log(`  ✘ ${detail}`);
      return false;
    }
  };
  const s = stateReader(platform);
  try {
    const go =
      (await step('first model: data lands, trains, passes the gate, serves 100%', async () => {
        await land(platform, 'quarter-1.csv', data.firstQuarters);
        await waitFor(
          '1.0.0 in production',
          async () => (await s.model())?.championVersion === '1.0.0',
          600,
          () => s.rejection('1.0.0'),
        );
        return `1.0.0 serves ${JSON.stringify((await s.deployment())?.split)}; R² ${(await s.version('1.0.0'))?.metrics.r2.toFixed(3)}`;
      })) &&
      (await step('new quarters land: v1.1.0 is trained, blessed and canaried', async () => {
        await land(platform, 'quarter-2.csv', data.nextQuarters);
        await waitFor(
          '1.1.0 canary',
          async () => (await s.version('1.1.0'))?.state === 'canary',
          600,
          () => s.rejection('1.1.0'),
        );
        return `traffic ${JSON.stringify((await s.deployment())?.split)}`;
      })) &&
      (await step(
        'the canary serves traffic labelled on later quarters; its experiment decides the promotion',
        async () => {
          const id = experimentId(MODEL, '1.1.0');
          for (
            let round = 1;
            round <= MAX_EXPERIMENT_ROUNDS && (await s.experiment(id))?.status === 'running';
            round += 1
          ) {
            await serve(platform, data.normal, { round: `n${round}`, after: data.lastTrainedQuarter });
            await publish(platform, 'drift-alerts', {
              type: 'monitor.scheduled-check',
              modelId: MODEL,
              idempotencyKey: `demo-check-1-${round}`,
            });
            await platform.stack.bus.whenIdle();
          }
          const exp = await s.experiment(id);
          if (exp?.status !== 'concluded' || exp.outcome !== 'promote') {
            throw new Error(
              `experiment ${id} did not decide a promotion: ${exp?.status ?? 'missing'} ${exp?.outcome ?? ''} ${(exp?.reasons ?? [String(exp?.lastAnalysis?.reasons ?? '')]).join('; ')}`,
            );
          }
          await waitFor('1.1.0 in production', async () => (await s.model())?.championVersion === '1.1.0', 60);
          const promoted = (await s.model())?.championHistory.at(-1);
          if (promoted?.actor !== 'automation')
            throw new Error(`1.1.0 was promoted by ${String(promoted?.actor)}, not by the experiment`);
          return `experiment: ${exp.reasons?.join('; ')}; production 1.1.0, traffic ${JSON.stringify((await s.deployment())?.split)}`;
        },
      )) &&
      (await step('a regime shift: the monitor detects drift, an alert opens and a retrain runs', async () => {
        // Only what this step causes counts: no alert or drift retrain may have come from the normal traffic before.
        const alertsBefore = (await s.audit('alert.opened')).length;
        const driftRuns = async () => (await s.runs()).filter((r) => (r.reasons as string[]).includes('drift'));
        if (alertsBefore > 0 || (await driftRuns()).length > 0)
          throw new Error(
            `the normal traffic already raised ${alertsBefore} alert(s): ${(await s.audit('alert.opened')).map((a) => String(a.reason)).join('; ')}`,
          );
        await serve(platform, data.shifted);
        await publish(platform, 'drift-alerts', {
          type: 'monitor.scheduled-check',
          modelId: MODEL,
          idempotencyKey: 'demo-check-2',
        });
        await waitFor(
          'a drift alert requesting a retrain',
          async () => (await s.audit('alert.opened')).length > 0 && (await driftRuns()).length > 0,
          120,
        );
        await waitFor(
          'the drift retrain evaluated',
          async () => (await driftRuns()).every((r) => r.state === 'evaluated' || r.state === 'failed'),
          600,
        );
        const alert = (await s.audit('alert.opened'))[0];
        return `alert: ${String(alert?.reason ?? '?')}`;
      })) &&
      (await step('a candidate trained on corrupted data fails the gate and is rejected', async () => {
        const before = new Set((await s.versions()).map((v) => v.version));
        await land(platform, 'quarter-corrupted.csv', data.corrupted);
        await waitFor(
          'a rejected version',
          async () => (await s.versions()).some((v) => !before.has(v.version) && v.state === 'rejected'),
          600,
        );
        const rejected = (await s.versions()).find(
          (v) => !before.has(v.version) && v.state === 'rejected',
        ) as VersionDoc;
        return `${rejected.version} rejected: ${rejected.gate.reasons.join('; ')}`;
      })) &&
      (await step('an operator rolls back: traffic returns to the last known-good version', async () => {
        const before = await s.deployment();
        await publish(platform, 'promotions', {
          type: 'promotion.command',
          action: 'rollback',
          modelId: MODEL,
          actor: 'operator@local',
          reason: 'operator rollback (demo)',
          idempotencyKey: 'demo-rollback',
        });
        await waitFor('a rollback', async () => (await s.audit('version.rolled-back')).length > 0, 60);
        const after = await s.deployment();
        return `traffic ${JSON.stringify(before?.split)} -> ${JSON.stringify(after?.split)}`;
      }));
    if (!go) log('stopping: a step did not happen');
    await platform.stack.bus.whenIdle();
    return {
      ok: steps.length === 6 && steps.every((x) => x.ok),
      steps,
      timeline: await s.timeline(),
      final: await s.final(),
    };
  } finally {
    await platform.close();
  }
}

function stateReader(platform: Platform) {
  const store = platform.stack.store;
  const versions = async () =>
    (await queryDocs(store, SCHEMAS.VersionDoc, COLLECTIONS.versions(MODEL))).map((v) => v.data);
  return {
    model: () => getDoc(store, SCHEMAS.ModelDoc, COLLECTIONS.models, MODEL),
    deployment: () => getDoc(store, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, `${MODEL}-endpoint`),
    version: (v: string) => getDoc(store, SCHEMAS.VersionDoc, COLLECTIONS.versions(MODEL), v),
    /** Why version `v` was rejected by the gate, if it was. */
    rejection: async (v: string) => {
      const doc = await getDoc(store, SCHEMAS.VersionDoc, COLLECTIONS.versions(MODEL), v);
      return doc?.state === 'rejected' ? `${v} was rejected: ${doc.gate.reasons.join('; ')}` : undefined;
    },
    experiment: (id: string) => getDoc(store, experimentDocSchema, COLLECTIONS.experiments, id),
    versions,
    runs: async () => (await store.query(COLLECTIONS.runs)).map((r) => r.data),
    audit: async (action: string) =>
      (await store.query(COLLECTIONS.audit, { where: [{ field: 'action', op: '==', value: action }] })).map(
        (a) => a.data,
      ),
    timeline: async () =>
      (await store.query(COLLECTIONS.audit, { orderBy: { field: 'at', direction: 'asc' } })).map(({ data: a }) => ({
        at: String(a.at),
        action: String(a.action),
        subject: `${String((a.subject as { kind?: string })?.kind ?? '')} ${String((a.subject as { id?: string })?.id ?? '')}`,
        actor: String(a.actor),
        reason: String(a.reason ?? ''),
      })),
    final: async () => {
      const model = await getDoc(store, SCHEMAS.ModelDoc, COLLECTIONS.models, MODEL);
      const dep = await getDoc(store, SCHEMAS.DeploymentDoc, COLLECTIONS.deployments, `${MODEL}-endpoint`);
      return {
        production: model?.championVersion,
        split: dep?.split ?? {},
        versions: (await versions()).map((v) => ({
          version: v.version,
          state: v.state,
          r2: v.metrics.r2,
          mape: v.metrics.mape,
        })),
      };
    },
  };
}

async function land(platform: Platform, name: string, csv: string): Promise<void> {
  writeFileSync(join(platform.landingDir, name), csv);
  await platform.scanLanding();
  if ((await platform.scanLanding()) === 0) throw new Error(`${name} was not picked up from the landing folder`);
}

async function publish(platform: Platform, topic: string, body: unknown): Promise<void> {
  const res = await fetch(`${platform.url}/api/publish/${topic}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.operatorToken.value}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`publish to ${topic} failed: ${res.status} ${await res.text()}`);
}

/**
 * Send each company's recent history to the endpoint (one request per company: the history feeds the lag
 * features). With `labelled`, also post the actual values of its rows after quarter `after`: the future
 * neither model trained on.
 */
async function serve(
  platform: Platform,
  panel: SamplePanel,
  labelled?: { round: string; after: string },
): Promise<void> {
  const byCompany = new Map<string, (string | number | null)[][]>();
  for (const row of panel.rows) byCompany.set(String(row[0]), [...(byCompany.get(String(row[0])) ?? []), row]);
  const actuals: { requestId: string; actualValue: number }[] = [];
  for (const [company, rows] of byCompany) {
    const recent = rows.slice(-SERVED_QUARTERS);
    const instances = recent.map((r) =>
      Object.fromEntries(panel.header.filter((h) => h !== 'enterprise_value').map((h, i) => [h, r[i]])),
    );
    const requestId = `demo-${company}-${labelled?.round ?? 's'}`;
    const res = await fetch(`${platform.url}/v1/projects/local/locations/local/endpoints/${MODEL}-endpoint:predict`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${platform.operatorToken.value}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: JSON.stringify({ instances }),
    });
    if (!res.ok) throw new Error(`predict failed: ${res.status} ${await res.text()}`);
    recent.forEach((r, i) => {
      if (labelled !== undefined && String(r[1]) > labelled.after && typeof r[8] === 'number')
        actuals.push({ requestId: recent.length === 1 ? requestId : `${requestId}:${i}`, actualValue: r[8] });
    });
  }
  if (labelled === undefined) return;
  const res = await fetch(`${platform.url}/v1/actuals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.operatorToken.value}`, 'content-type': 'application/json' },
    body: JSON.stringify({ actuals }),
  });
  if (!res.ok) throw new Error(`actuals failed: ${res.status} ${await res.text()}`);
}

/** Poll `check` until it holds; fail at the timeout, or at once when `failed` names a reason it never will. */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutSeconds: number,
  failed?: () => Promise<string | undefined>,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    if (await check()) return;
    const reason = await failed?.();
    if (reason !== undefined) throw new Error(`${what} will not happen: ${reason}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutSeconds} s waiting for ${what}`);
}
