/**
 * Issue 10 item 1: the GCP dependencies build under exactly the environment terraform/ gives each
 * function (HCL parsed), for all five entry points and the actuals function, with no network
 * (secrets are mounted; SDKs load on first use). Ports a function has no configuration for fail
 * with a clear permanent error instead of calling Google with a guess.
 */
import { describe, expect, it } from 'vitest';
import { OPTIONS, loadConfig, requiredGcpEnv } from '../../shared/config.js';
import { createGcpActualsDeps, createGcpRuntime } from '../../shared/composition/gcp.js';
import { parsePolicy } from '../../shared/domain/lifecycle/index.js';
import { ValidationError } from '../../shared/domain/errors.js';
import { DEMO, ENTRY_POINTS, terraformEnv } from './terraform-env.js';

const WITH_DEFAULT = new Set(
  Object.values(OPTIONS)
    .filter((o) => 'default' in o)
    .map((o) => o.env),
);
const launchRequest = {
  runId: 'r1',
  modelId: 'm',
  correlationId: 'c',
  dataUri: 'gs://b/d.csv',
  artifactUri: 'gs://b/runs/r1',
  hyperparameters: {},
  seed: 1,
};

describe('GCP dependencies under the Terraform environment of each entry point', () => {
  for (const { entryPoint, target } of ENTRY_POINTS) {
    it(`${entryPoint} (${target}): the environment covers requiredGcpEnv and the dependencies build`, async () => {
      const env = await terraformEnv(entryPoint);
      expect(Object.keys(env)).toEqual(expect.arrayContaining(requiredGcpEnv(target)));
      const config = loadConfig(env);
      if (target === 'ingest-actuals') {
        const actuals = await createGcpActualsDeps(config);
        expect(actuals.modelId).toBe('ipo-valuation');
        expect(typeof actuals.log.recordActuals).toBe('function');
        return;
      }
      const { deps, webhookToken } = await createGcpRuntime(config);
      // One endpoint id from Terraform to Firestore to Vertex.
      expect(deps.settings.endpointId).toBe(DEMO.endpointId);
      expect(deps.settings.endpointId).toBe(env.VERTEX_ENDPOINT_ID);
      expect(deps.settings.verifyPipelineCompletions).toBe(true);
      expect(deps.settings.commandSigningKey).toBe(DEMO.secrets.COMMAND_SIGNING_KEY);
      expect(parsePolicy(deps.settings.defaultPolicy)).toMatchObject({
        autoApprove: false,
        approvers: ['alice@example.com', 'automation'],
      });
      expect(webhookToken).toBe(target === 'on-drift-alert' ? DEMO.secrets.WEBHOOK_TOKEN : undefined);
    });
  }

  it('gives a function only the ports its variables configure; the others fail naming the variable', async () => {
    const promotion = (await createGcpRuntime(loadConfig(await terraformEnv('onPromotion')))).deps;
    await expect(promotion.launcher.launch(launchRequest)).rejects.toMatchObject({
      code: 'CONFIG.NOT_A_LAUNCHER',
      retryable: false,
    });
    const newData = (await createGcpRuntime(loadConfig(await terraformEnv('onNewData')))).deps;
    await expect(newData.serving.currentSplit('1')).rejects.toMatchObject({
      code: 'CONFIG.NOT_CONFIGURED',
      message: expect.stringContaining('SERVING_IMAGE'),
    });
    await expect(newData.predictionLog.recent('m', { limit: 10 })).rejects.toMatchObject({
      code: 'CONFIG.NOT_CONFIGURED',
      message: expect.stringContaining('BIGQUERY_DATASET'),
    });
  });

  it('refuses to start when Terraform drops any variable a function requires, naming it', async () => {
    for (const { entryPoint, target } of ENTRY_POINTS) {
      const env = await terraformEnv(entryPoint);
      // Variables with a default (IPO_BACKEND falls back to local) cannot be missing.
      for (const name of requiredGcpEnv(target).filter((n) => !WITH_DEFAULT.has(n))) {
        const { [name]: _dropped, ...rest } = env;
        let err: unknown;
        try {
          loadConfig(rest);
        } catch (e) {
          err = e;
        }
        expect(err, `${entryPoint} without ${name}`).toBeInstanceOf(ValidationError);
        expect(
          (err as ValidationError).issues.map((i) => i.path),
          entryPoint,
        ).toContain(name);
      }
    }
  });
});
