import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, type FunctionName } from '../../shared/domain/topics.js';
import { block, resolve, resource, resourcesOf, walk, type ResourceBlock, type TfModule } from './hcl.js';
import { loadDeployment, type Deployment } from './fixture.js';

let d: Deployment;
beforeAll(async () => {
  d = await loadDeployment();
});

const PRIMITIVE = ['roles/owner', 'roles/editor', 'roles/viewer'];

/**
 * The project-level roles of each function, as docs/deploy.md explains them. Growing this is a review
 * decision. on-drift-alert writes Cloud Monitoring time series (metricWriter) and never calls Vertex.
 */
const EXPECTED_PROJECT_ROLES: Record<FunctionName, string[]> = {
  'on-new-data': ['roles/datastore.user', 'roles/aiplatform.user'],
  'on-eval-complete': ['roles/datastore.user', 'roles/aiplatform.user'],
  'on-promotion': ['roles/datastore.user', 'roles/aiplatform.user'],
  'on-drift-alert': ['roles/datastore.user', 'roles/bigquery.jobUser', 'roles/monitoring.metricWriter'],
};

function allResources(): { mod: TfModule; r: ResourceBlock }[] {
  return [
    ...d.root.resources.map((r) => ({ mod: d.root, r })),
    ...d.eventFunction.resources.map((r) => ({ mod: d.eventFunction, r })),
  ];
}

/** Every role string granted anywhere: `role` attributes and the functions' project_roles lists. */
function grantedRoles(): string[] {
  const roles: string[] = [];
  for (const { r } of allResources())
    walk(r.body, (k, v) => {
      if (k === 'role' && typeof v === 'string') roles.push(v);
    });
  for (const fn of FUNCTION_NAMES) roles.push(...(d.functions[fn].project_roles as string[]));
  return roles;
}

describe('least privilege', () => {
  it('grants no primitive role anywhere', () => {
    const roles = grantedRoles();
    expect(roles.length).toBeGreaterThan(20);
    for (const role of roles) expect(PRIMITIVE, role).not.toContain(role);
  });

  it('uses only additive IAM members, never authoritative bindings or policies', () => {
    const authoritative = allResources().filter(({ r }) => /_iam_(binding|policy)$/.test(r.type));
    expect(authoritative.map(({ r }) => `${r.type}.${r.name}`)).toEqual([]);
  });

  it('grants each function exactly its documented project-level roles', () => {
    for (const fn of FUNCTION_NAMES) expect(d.functions[fn].project_roles, fn).toEqual(EXPECTED_PROJECT_ROLES[fn]);
  });

  it('never grants impersonation roles at project level', () => {
    const projectRoles = [
      ...resourcesOf(d.root, 'google_project_iam_member').map((r) => r.body.role),
      ...FUNCTION_NAMES.flatMap((fn) => d.functions[fn].project_roles as string[]),
    ];
    expect(projectRoles).not.toContain('roles/iam.serviceAccountUser');
    expect(projectRoles).not.toContain('roles/iam.serviceAccountTokenCreator');
  });

  it('lets only the launching functions act as the pipeline identity, and only the deployers act as the serving identity', () => {
    const actAs = allResources().filter(({ r }) => r.body.role === 'roles/iam.serviceAccountUser');
    expect(actAs.map(({ r }) => r.name).sort()).toEqual([
      'deployers_act_as_serving',
      'on_eval_complete_acts_as_pipeline',
      'on_new_data_acts_as_pipeline',
    ]);
    const serving = resource(d.root, 'google_service_account_iam_member', 'deployers_act_as_serving').body;
    expect(serving.service_account_id).toBe('${google_service_account.serving.name}');
    expect(serving.for_each).toEqual({
      'on-promotion': '${module.on_promotion.service_account_email}',
      'on-eval-complete': '${module.on_eval_complete.service_account_email}',
    });
    expect(actAs.find(({ r }) => r.name === 'on_new_data_acts_as_pipeline')?.r.body).toMatchObject({
      service_account_id: '${google_service_account.pipeline.name}',
      member: 'serviceAccount:${module.on_new_data.service_account_email}',
    });
    expect(actAs.find(({ r }) => r.name === 'on_eval_complete_acts_as_pipeline')?.r.body).toMatchObject({
      service_account_id: '${google_service_account.pipeline.name}',
      member: 'serviceAccount:${module.on_eval_complete.service_account_email}',
    });
    expect(d.functions['on-new-data'].environment).toContain('local.function_env["on-new-data"]');
    expect(
      (d.root.locals.function_env as Record<string, Record<string, string>>)['on-new-data'].PIPELINE_SERVICE_ACCOUNT,
    ).toBe('${google_service_account.pipeline.email}');
  });

  it('lets each function read exactly the secrets it mounts: the signing key everywhere, the webhook token in on-drift-alert', () => {
    const accessors = allResources().filter(({ r }) =>
      JSON.stringify(r.body).includes('roles/secretmanager.secretAccessor'),
    );
    expect(accessors.map(({ r }) => r.name)).toEqual(['runtime_secret_accessor']);
    expect(accessors[0].r.body.for_each).toBe('${var.secret_environment}');
    for (const fn of FUNCTION_NAMES) {
      const mounted = Object.keys(resolve(d.functions[fn].secret_environment, d.root.locals) as object).sort();
      expect(mounted, fn).toEqual(
        fn === 'on-drift-alert' ? ['COMMAND_SIGNING_KEY', 'WEBHOOK_TOKEN'] : ['COMMAND_SIGNING_KEY'],
      );
    }
  });

  it('builds with a dedicated account holding the documented build roles, granted before any function builds', () => {
    const builder = resource(d.root, 'google_project_iam_member', 'builder').body;
    expect(Object.keys(builder.for_each as object).sort()).toEqual([
      'roles/artifactregistry.writer',
      'roles/logging.logWriter',
      'roles/storage.objectAdmin',
    ]);
    expect(builder.member).toBe('serviceAccount:${google_service_account.builder.email}');
    for (const fn of FUNCTION_NAMES)
      expect(d.functions[fn].depends_on, fn).toContain('${google_project_iam_member.builder}');
    for (const name of ['drift_webhook', 'ingest_actuals']) {
      const fnBody = resource(d.root, 'google_cloudfunctions2_function', name).body;
      expect(block(fnBody, 'build_config')?.service_account, name).toBe('${google_service_account.builder.id}');
    }
    expect(resource(d.root, 'google_cloudfunctions2_function', 'ingest_actuals').body.depends_on).toContain(
      '${google_project_iam_member.builder}',
    );
    // The webhook waits for on-drift-alert, whose module waits for the grants.
    expect(resource(d.root, 'google_cloudfunctions2_function', 'drift_webhook').body.depends_on).toEqual([
      '${module.on_drift_alert}',
    ]);
  });

  it('deploys each function after the secret versions it mounts exist', () => {
    for (const fn of FUNCTION_NAMES) {
      expect(d.functions[fn].depends_on, fn).toContain('${google_secret_manager_secret_version.command_signing_key}');
    }
    expect(d.functions['on-drift-alert'].depends_on).toContain(
      '${google_secret_manager_secret_version.drift_webhook_token}',
    );
  });
});

describe('public access', () => {
  it('allows allUsers only as invoker of the drift webhook', () => {
    const publicGrants = allResources().filter(({ r }) =>
      /allUsers|allAuthenticatedUsers/.test(JSON.stringify(r.body)),
    );
    expect(publicGrants.map(({ r }) => `${r.type}.${r.name}`)).toEqual([
      'google_cloud_run_service_iam_member.drift_webhook_public_invoker',
    ]);
    expect(publicGrants[0].r.body).toMatchObject({
      role: 'roles/run.invoker',
      member: 'allUsers',
      service: '${google_cloudfunctions2_function.drift_webhook.name}',
    });
  });

  it('keeps event functions internal-only and every bucket private', () => {
    expect(d.eventFunction.variables.ingress.default).toBe('ALLOW_INTERNAL_ONLY');
    for (const fn of FUNCTION_NAMES) expect(d.functions[fn].ingress, fn).toBeUndefined();
    for (const bucket of resourcesOf(d.root, 'google_storage_bucket')) {
      expect(bucket.body, bucket.name).toMatchObject({
        uniform_bucket_level_access: true,
        public_access_prevention: 'enforced',
      });
    }
  });

  it('lets the Storage service agent publish so the Eventarc finalize trigger works', () => {
    expect(resource(d.root, 'google_project_iam_member', 'gcs_agent_publisher').body).toMatchObject({
      role: 'roles/pubsub.publisher',
      member: 'serviceAccount:${data.google_storage_project_service_account.gcs.email_address}',
    });
  });
});

describe('every grant explains itself', () => {
  it('has a comment directly above each IAM member resource', () => {
    for (const mod of [d.root, d.eventFunction]) {
      for (const [file, text] of Object.entries(mod.files)) {
        const lines = text.split('\n');
        lines.forEach((line, i) => {
          if (!/^resource "google_\w+_iam_member"/.test(line)) return;
          let j = i - 1;
          while (j >= 0 && lines[j].trim() === '') j--;
          expect(lines[j]?.trim().startsWith('#'), `${file}:${i + 1} ${line}`).toBe(true);
        });
      }
    }
  });

  it('has a comment on each project role a function is given', () => {
    const text = d.root.files['functions.tf'];
    const roleLines = text.split('\n').filter((l) => /^\s+"roles\/[^"]+",/.test(l));
    expect(roleLines.length).toBe(
      FUNCTION_NAMES.reduce((n, fn) => n + (d.functions[fn].project_roles as string[]).length, 0),
    );
    for (const line of roleLines) expect(line, line).toMatch(/",\s+#\s+\S/);
  });
});
