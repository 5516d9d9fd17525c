/**
 * Who may publish commands, call the actuals function, write the prediction log, and who hears
 * about lifecycle events: the Terraform side of issue 10 items 3, 4, 6 and issue 13.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { INGEST_ACTUALS_ENTRY_POINT, requiredGcpEnv } from '../../shared/config.js';
import { ATTENTION_EVENTS } from '../../shared/adapters/gcp/lifecycle-log.event-bus.js';
import { FUNCTION_NAMES, FUNCTION_PUBLISHES, type Topic } from '../../shared/domain/topics.js';
import { block, resource, resourcesOf, walk } from './hcl.js';
import { loadDeployment, type Deployment } from './fixture.js';

let d: Deployment;
beforeAll(async () => {
  d = await loadDeployment();
});

const COMMAND_TOPICS: Topic[] = ['promotions', 'retrain-requests', 'drift-alerts', 'data-landed'];

describe('publishing commands', () => {
  it('grants publisher on the command topics only to the listed operators, per topic', () => {
    expect(d.root.locals.command_topics).toEqual(COMMAND_TOPICS);
    const grant = resource(d.root, 'google_pubsub_topic_iam_member', 'command_publishers').body;
    expect(grant).toMatchObject({
      for_each: '${local.command_publisher_grants}',
      role: 'roles/pubsub.publisher',
      topic: '${google_pubsub_topic.topic[each.value.topic].id}',
      member: '${each.value.member}',
    });
    expect(String(d.root.locals.command_publisher_grants)).toContain(
      'setproduct(local.command_topics, var.command_publishers)',
    );
    expect(d.root.variables.command_publishers.default).toEqual([]);
  });

  it('has no other publisher grant on a command topic than the functions, the log sinks and the operators', () => {
    const publishers: string[] = [];
    for (const r of [...d.root.resources, ...d.eventFunction.resources]) {
      walk(r.body, (k, v) => {
        if (k === 'role' && v === 'roles/pubsub.publisher') publishers.push(`${r.type}.${r.name}`);
      });
    }
    expect(publishers.sort()).toEqual([
      'google_project_iam_member.gcs_agent_publisher', // Eventarc's Storage trigger topic (Google-named), required by Eventarc
      'google_pubsub_topic_iam_member.command_publishers',
      'google_pubsub_topic_iam_member.publisher', // each function: FUNCTION_PUBLISHES
      'google_pubsub_topic_iam_member.pubsub_agent_dead_letter_publisher', // dead-letter topics only
      'google_pubsub_topic_iam_member.sink_writer_publisher', // pipeline-events and drift-alerts log sinks
    ]);
    // Functions publish commands only where the code does.
    for (const fn of FUNCTION_NAMES) {
      const commands = (d.functions[fn].publishes_to as Topic[]).filter((t) => COMMAND_TOPICS.includes(t));
      for (const t of commands) expect(Object.values(FUNCTION_PUBLISHES).flat(), `${fn} -> ${t}`).toContain(t);
    }
  });

  it('gives every function the approvers of new models and the signing key secret', () => {
    const env = d.root.locals.common_env as Record<string, string>;
    expect(env.IPO_APPROVERS).toBe('${join(",", var.approvers)}');
    expect(env.COMMAND_SIGNING_KEY_SECRET).toBe(
      '${google_secret_manager_secret.command_signing_key.id}/versions/latest',
    );
    expect(d.root.variables.approvers.default).toBeUndefined();
    expect(resource(d.root, 'google_secret_manager_secret_version', 'command_signing_key').body.secret_data).toBe(
      '${random_password.command_signing_key.result}',
    );
  });
});

describe('actuals ingestion function', () => {
  const fn = () => resource(d.root, 'google_cloudfunctions2_function', 'ingest_actuals').body;

  it('serves ingestActuals as its own identity, with exactly the environment its configuration requires', () => {
    expect(block(fn(), 'build_config')?.entry_point).toBe(INGEST_ACTUALS_ENTRY_POINT);
    const service = block(fn(), 'service_config') ?? {};
    expect(service.service_account_email).toBe('${google_service_account.ingest_actuals.email}');
    expect(service.environment_variables).toBe('${local.ingest_actuals_env}');
    expect(Object.keys(d.root.locals.ingest_actuals_env as object).sort()).toEqual(
      [...requiredGcpEnv('ingest-actuals'), 'LOG_LEVEL'].sort(),
    );
  });

  it('is IAM-authenticated (invokers from a variable, never allUsers) and internal-only by default', () => {
    expect(block(fn(), 'service_config')?.ingress_settings).toBe('${var.actuals_ingress}');
    expect(d.root.variables.actuals_ingress.default).toBe('ALLOW_INTERNAL_ONLY');
    expect(resource(d.root, 'google_cloud_run_service_iam_member', 'ingest_actuals_invoker').body).toMatchObject({
      for_each: '${toset(var.actuals_invokers)}',
      role: 'roles/run.invoker',
      member: '${each.value}',
    });
  });

  it('reads prediction_log and writes actuals only, table by table', () => {
    const tables = Object.fromEntries(
      resourcesOf(d.root, 'google_bigquery_table_iam_member')
        .filter((r) => String(r.body.member).includes('ingest_actuals'))
        .map((r) => [r.body.table_id, r.body.role]),
    );
    expect(tables).toEqual({
      '${google_bigquery_table.table["prediction_log"].table_id}': 'roles/bigquery.dataViewer',
      '${google_bigquery_table.table["actuals"].table_id}': 'roles/bigquery.dataEditor',
    });
  });
});

describe('serving identity', () => {
  it('lets the serving containers write prediction_log and read the model, nothing else', () => {
    const grants = [...d.root.resources].filter((r) =>
      String(r.body.member).includes('google_service_account.serving.email'),
    );
    expect(grants.map((r) => `${r.type}.${r.name} ${String(r.body.role)}`).sort()).toEqual([
      'google_bigquery_table_iam_member.serving_prediction_log_writer roles/bigquery.dataEditor',
      'google_storage_bucket_iam_member.serving_artifact_reader roles/storage.objectViewer',
    ]);
    expect(resource(d.root, 'google_bigquery_table_iam_member', 'serving_prediction_log_writer').body.table_id).toBe(
      '${google_bigquery_table.table["prediction_log"].table_id}',
    );
    const deployers = d.root.locals.function_env as Record<string, Record<string, string>>;
    for (const fn of ['on-promotion', 'on-eval-complete']) {
      expect(deployers[fn], fn).toMatchObject({
        SERVING_SERVICE_ACCOUNT: '${google_service_account.serving.email}',
        SERVING_IMAGE: '${local.serving_image}',
      });
    }
  });

  it('drops the grants no code path uses', () => {
    const names = d.root.resources.map((r) => r.name);
    for (const gone of ['on_new_data_artifact_user', 'on_drift_alert_metrics_writer', 'builder_source_reader'])
      expect(names).not.toContain(gone);
    expect(
      Object.keys(
        resource(d.root, 'google_storage_bucket_iam_member', 'artifact_readers').body.for_each as object,
      ).sort(),
    ).toEqual(['on-drift-alert', 'on-eval-complete']);
  });
});

describe('lifecycle events that need a human (issue 13)', () => {
  it('counts exactly the events the functions log for humans', () => {
    expect(d.root.locals.attention_events).toEqual([...ATTENTION_EVENTS]);
    const metric = resource(d.root, 'google_logging_metric', 'lifecycle_attention').body;
    expect(metric.filter).toContain('jsonPayload.lifecycleEvent=(');
    expect(metric.filter).toContain('local.attention_events');
    expect(metric.label_extractors).toEqual({
      event: 'EXTRACT(jsonPayload.lifecycleEvent)',
      model_id: 'EXTRACT(jsonPayload.modelId)',
    });
  });

  it("alerts on the metric, per event and model, on the operators' channels", () => {
    const policy = resource(d.root, 'google_monitoring_alert_policy', 'lifecycle_attention').body;
    expect(policy.notification_channels).toBe('${var.lifecycle_notification_channels}');
    const condition = block(block(policy, 'conditions') ?? {}, 'condition_threshold') ?? {};
    expect(condition.filter).toContain('logging.googleapis.com/user/${google_logging_metric.lifecycle_attention.name}');
    expect(block(condition, 'aggregations')?.group_by_fields).toEqual(['metric.label.event', 'metric.label.model_id']);
    expect(condition).toMatchObject({ comparison: 'COMPARISON_GT', threshold_value: 0 });
  });
});
