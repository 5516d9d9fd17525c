/**
 * The environment a deployed function gets, read from terraform/ (HCL parsed, not copied): its
 * `environment` map with every Terraform reference replaced by a plausible concrete value, plus its
 * secret mounts (Cloud Run resolves them to the secret's value at instance start) and FUNCTION_TARGET.
 * An unknown reference fails loudly, so a new variable in Terraform cannot slip past the tests.
 */
import { INGEST_ACTUALS_ENTRY_POINT, type GcpTarget } from '../../shared/config.js';
import { DRIFT_WEBHOOK_ENTRY_POINT, entryPointOf } from '../../shared/domain/topics.js';
import { resolve } from '../terraform/hcl.js';
import { loadDeployment, type Deployment } from '../terraform/fixture.js';

/** Values of a demo deployment, per Terraform reference. */
export interface DeploymentValues {
  project: string;
  region: string;
  endpointId: string;
  approvers: string[];
  /** Values of the mounted secrets, by environment variable. */
  secrets: Record<string, string>;
}

/** Defaults of a demo deployment. */
export const DEMO: DeploymentValues = {
  project: 'demo',
  region: 'us-central1',
  endpointId: '1234567890',
  approvers: ['alice@example.com'],
  secrets: { COMMAND_SIGNING_KEY: 'k'.repeat(64), WEBHOOK_TOKEN: 'w'.repeat(48) },
};

/** The five entry points of functions/index.ts and the target each belongs to (plus the actuals function). */
export const ENTRY_POINTS: { entryPoint: string; target: GcpTarget }[] = [
  { entryPoint: entryPointOf('on-new-data'), target: 'on-new-data' },
  { entryPoint: entryPointOf('on-eval-complete'), target: 'on-eval-complete' },
  { entryPoint: entryPointOf('on-promotion'), target: 'on-promotion' },
  { entryPoint: entryPointOf('on-drift-alert'), target: 'on-drift-alert' },
  { entryPoint: DRIFT_WEBHOOK_ENTRY_POINT, target: 'on-drift-alert' },
  { entryPoint: INGEST_ACTUALS_ENTRY_POINT, target: 'ingest-actuals' },
];

function references(v: DeploymentValues): Record<string, string> {
  const repo = `${v.region}-docker.pkg.dev/${v.project}/ipo-mlops`;
  return {
    'var.project_id': v.project,
    'var.region': v.region,
    'var.log_level': 'INFO',
    'join(",", var.approvers)': v.approvers.join(','),
    'google_firestore_database.state.name': '(default)',
    'google_storage_bucket.artifacts.name': `${v.project}-ipo-artifacts`,
    'google_vertex_ai_endpoint.model.name': v.endpointId,
    'google_service_account.pipeline.email': `ipo-pipeline@${v.project}.iam.gserviceaccount.com`,
    'google_service_account.serving.email': `ipo-serving@${v.project}.iam.gserviceaccount.com`,
    'google_bigquery_dataset.monitoring.dataset_id': 'ipo_mlops',
    'local.trainer_image': `${repo}/trainer:latest`,
    'local.serving_image': `${repo}/serving:latest`,
    'google_secret_manager_secret.command_signing_key.id': `projects/${v.project}/secrets/command-signing-key`,
    'google_secret_manager_secret.drift_webhook_token.id': `projects/${v.project}/secrets/drift-webhook-token`,
  };
}

/** Replace every `${ref}` in a value; unknown references throw, naming them. */
function substitute(value: string, refs: Record<string, string>): string {
  return value.replace(/\$\{([^}]+)\}/g, (_m, ref: string) => {
    const found = refs[ref.trim()];
    if (found === undefined)
      throw new Error(
        `terraform-env: no demo value for the Terraform reference \${${ref}} (add one to test/gcp/terraform-env.ts)`,
      );
    return found;
  });
}

let parsed: Promise<Deployment> | undefined;

/** The parsed deployment (once per test file). */
export function deployment(): Promise<Deployment> {
  parsed ??= loadDeployment();
  return parsed;
}

/** The environment Terraform gives the function serving `entryPoint`, with concrete values. */
export async function terraformEnv(
  entryPoint: string,
  values: DeploymentValues = DEMO,
): Promise<Record<string, string>> {
  const d = await deployment();
  const target = ENTRY_POINTS.find((e) => e.entryPoint === entryPoint)?.target;
  if (target === undefined) throw new Error(`unknown entry point ${entryPoint}`);
  const refs = references(values);
  let env: Record<string, unknown>;
  let mounts: Record<string, unknown> = {};
  if (target === 'ingest-actuals') {
    env = resolve('${local.ingest_actuals_env}', d.root.locals) as Record<string, unknown>;
  } else {
    env = resolve(d.functions[target].environment, d.root.locals) as Record<string, unknown>;
    mounts = resolve(d.functions[target].secret_environment ?? {}, d.root.locals) as Record<string, unknown>;
  }
  const out: Record<string, string> = { FUNCTION_TARGET: entryPoint };
  for (const [key, value] of Object.entries(env)) out[key] = substitute(String(value), refs);
  for (const key of Object.keys(mounts)) {
    const secret = values.secrets[key];
    if (secret === undefined) throw new Error(`terraform-env: no demo value for the mounted secret ${key}`);
    out[key] = secret;
  }
  return out;
}
