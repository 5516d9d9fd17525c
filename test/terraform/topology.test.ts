import { beforeAll, describe, expect, it } from 'vitest';
import {
  DRIFT_WEBHOOK_ENTRY_POINT,
  FUNCTION_NAMES,
  FUNCTION_PUBLISHES,
  FUNCTION_TOPICS,
  TOPICS,
  deadLetterTopic,
  entryPointOf,
} from '../../shared/domain/topics.js';
import { OPTIONS, requiredGcpEnv } from '../../shared/config.js';
import { block, dynamicBlock, instances, render, resolve, resource, resourcesOf } from './hcl.js';
import { loadDeployment, type Deployment } from './fixture.js';

let d: Deployment;
beforeAll(async () => {
  d = await loadDeployment();
});

const consumedTopics = [...new Set(Object.values(FUNCTION_TOPICS).flat())].sort();
const knownEnv = new Set(Object.values(OPTIONS).map((o) => o.env));

/** Names of every google_pubsub_topic instance the root module declares. */
function declaredTopicNames(): string[] {
  return resourcesOf(d.root, 'google_pubsub_topic').flatMap((t) =>
    instances(t.body, d.root.locals).map((i) => render(t.body.name, i)),
  );
}

describe('topics: one source of truth with shared/domain/topics.ts', () => {
  it('declares exactly TOPICS plus one dead-letter topic per consumed topic', () => {
    const expected = [...TOPICS, ...consumedTopics.map((t) => deadLetterTopic(t))].sort();
    expect(declaredTopicNames().sort()).toEqual(expected);
  });

  it('mirrors TOPICS and the consumed topics in its locals', () => {
    expect(d.root.locals.topics).toEqual([...TOPICS]);
    expect([...(d.root.locals.consumed_topics as string[])].sort()).toEqual(consumedTopics);
  });

  it('gives every dead-letter topic a subscription so dead-lettered messages are kept', () => {
    const sub = resource(d.root, 'google_pubsub_subscription', 'dead_letter');
    expect(
      instances(sub.body, d.root.locals)
        .map((i) => i.key)
        .sort(),
    ).toEqual(consumedTopics);
    expect(sub.body.topic).toBe('${google_pubsub_topic.dead_letter[each.value].id}');
    expect(block(sub.body, 'expiration_policy')).toEqual({ ttl: '' });
    expect(resource(d.root, 'google_pubsub_topic', 'dead_letter').body.for_each).toBe(sub.body.for_each);
  });
});

describe('functions', () => {
  it('deploys each of FUNCTION_NAMES once through modules/event-function, with its entry point', () => {
    expect(Object.keys(d.functions).sort()).toEqual([...FUNCTION_NAMES].sort());
    for (const fn of FUNCTION_NAMES) expect(d.functions[fn].entry_point, fn).toBe(entryPointOf(fn));
  });

  it('has a trigger for every function: a push subscription per consumed topic, Storage finalize for on-new-data', () => {
    for (const fn of FUNCTION_NAMES) {
      expect(d.functions[fn].push_topics, fn).toEqual([...FUNCTION_TOPICS[fn]]);
      const triggers = (d.functions[fn].push_topics as string[]).length + (d.functions[fn].storage_trigger ? 1 : 0);
      expect(triggers, fn).toBeGreaterThan(0);
    }
    expect(d.functions['on-new-data'].storage_trigger).toEqual({ bucket: '${google_storage_bucket.landing.name}' });
    const trigger = dynamicBlock(
      resource(d.eventFunction, 'google_cloudfunctions2_function', 'this').body,
      'event_trigger',
    );
    expect(trigger?.content).toMatchObject({
      event_type: 'google.cloud.storage.object.v1.finalized',
      retry_policy: 'RETRY_POLICY_RETRY',
      service_account_email: '${google_service_account.trigger.email}',
    });
  });

  it('runs every function as its own service account', () => {
    const fnBody = resource(d.eventFunction, 'google_cloudfunctions2_function', 'this').body;
    expect(block(fnBody, 'service_config')?.service_account_email).toBe('${google_service_account.runtime.email}');
    const accountIds = FUNCTION_NAMES.map((fn) =>
      render(
        resource(d.eventFunction, 'google_service_account', 'runtime').body.account_id,
        { key: '', value: undefined },
        d.functions[fn],
      ),
    );
    expect(new Set(accountIds).size).toBe(FUNCTION_NAMES.length);
    for (const id of accountIds) expect(id).toMatch(/^[a-z][a-z0-9-]{5,29}$/);
  });

  it('gives every function the environment its config loader requires, and nothing unknown', () => {
    const fnBody = resource(d.eventFunction, 'google_cloudfunctions2_function', 'this').body;
    expect(block(fnBody, 'service_config')?.environment_variables).toBe('${var.environment}');
    for (const fn of FUNCTION_NAMES) {
      const env = resolve(d.functions[fn].environment, d.root.locals) as Record<string, unknown>;
      const keys = Object.keys(env);
      expect(keys, fn).toEqual(expect.arrayContaining(requiredGcpEnv(fn)));
      for (const key of keys)
        expect(knownEnv.has(key), `${fn}: ${key} is not an option in shared/config.ts`).toBe(true);
      expect(env.IPO_BACKEND, fn).toBe('gcp');
    }
  });

  it('grants each function publisher on every topic it publishes to, and only on known topics', () => {
    const publisher = resource(d.eventFunction, 'google_pubsub_topic_iam_member', 'publisher').body;
    expect(publisher).toMatchObject({
      for_each: '${toset(var.publishes_to)}',
      role: 'roles/pubsub.publisher',
      topic: '${var.topic_ids[each.value]}',
      member: 'serviceAccount:${google_service_account.runtime.email}',
    });
    for (const fn of FUNCTION_NAMES) {
      const publishes = d.functions[fn].publishes_to as string[];
      expect(publishes, fn).toEqual(expect.arrayContaining([...FUNCTION_PUBLISHES[fn]]));
      for (const topic of publishes) expect(TOPICS, `${fn} publishes to ${topic}`).toContain(topic);
      const extra = publishes.filter((t) => !(FUNCTION_PUBLISHES[fn] as readonly string[]).includes(t));
      // Only the reconciler's host may publish beyond FUNCTION_PUBLISHES (it re-drives every outbox).
      if (fn !== 'on-eval-complete') expect(extra, fn).toEqual([]);
      else for (const t of extra) expect(Object.values(FUNCTION_PUBLISHES).flat()).toContain(t);
    }
  });

  it('declares the drift webhook as the HTTP entry of on-drift-alert with its identity and environment', () => {
    const hook = resource(d.root, 'google_cloudfunctions2_function', 'drift_webhook').body;
    expect(block(hook, 'build_config')?.entry_point).toBe(DRIFT_WEBHOOK_ENTRY_POINT);
    expect(hook.event_trigger).toBeUndefined();
    expect(dynamicBlock(hook, 'event_trigger')).toBeUndefined();
    const service = block(hook, 'service_config') ?? {};
    expect(service.service_account_email).toBe('${module.on_drift_alert.service_account_email}');
    expect(service.environment_variables).toBe(d.functions['on-drift-alert'].environment);
    const secretEnv = resolve(d.functions['on-drift-alert'].secret_environment, d.root.locals) as Record<
      string,
      unknown
    >;
    expect(Object.keys(secretEnv).sort()).toEqual(['COMMAND_SIGNING_KEY', 'WEBHOOK_TOKEN']);
    expect(dynamicBlock(service, 'secret_environment_variables')?.forEach).toBe(
      d.functions['on-drift-alert'].secret_environment,
    );
  });
});

describe('subscriptions', () => {
  const subscriptionBody = () => resource(d.eventFunction, 'google_pubsub_subscription', 'push').body;

  it('creates one push subscription per (function, consumed topic) pair', () => {
    const names = FUNCTION_NAMES.flatMap((fn) =>
      instances(subscriptionBody(), d.root.locals, d.functions[fn]).map((i) =>
        render(subscriptionBody().name, i, d.functions[fn]),
      ),
    );
    const expected = FUNCTION_NAMES.flatMap((fn) => FUNCTION_TOPICS[fn].map((t) => `${fn}--${t}`));
    expect(names.sort()).toEqual(expected.sort());
  });

  it('gives every consumer subscription a retry policy and the dead-letter topic of its topic', () => {
    for (const sub of [
      ...resourcesOf(d.eventFunction, 'google_pubsub_subscription'),
      ...resourcesOf(d.root, 'google_pubsub_subscription'),
    ]) {
      if (sub.name === 'dead_letter') continue;
      const label = `${sub.type}.${sub.name}`;
      expect(block(sub.body, 'retry_policy'), label).toMatchObject({
        minimum_backoff: expect.any(String),
        maximum_backoff: expect.any(String),
      });
      expect(block(sub.body, 'dead_letter_policy'), label).toMatchObject({
        dead_letter_topic: '${var.dead_letter_topic_ids[each.value]}',
        max_delivery_attempts: expect.any(String),
      });
      expect(sub.body.topic, label).toBe('${var.topic_ids[each.value]}');
    }
    for (const fn of FUNCTION_NAMES) {
      expect(d.functions[fn].dead_letter_topic_ids, fn).toBe('${local.dead_letter_topic_ids}');
      expect(d.functions[fn].topic_ids, fn).toBe('${local.topic_ids}');
    }
    expect(d.root.files['functions.tf']).toContain(
      'dead_letter_topic_ids = { for name, topic in google_pubsub_topic.dead_letter : name => topic.id }',
    );
  });

  it('pushes with an OIDC token of the trigger identity to a projects/P/topics/T path', () => {
    const push = block(subscriptionBody(), 'push_config') ?? {};
    expect(push.push_endpoint).toBe('${local.uri}/${var.topic_ids[each.value]}');
    expect(block(push, 'oidc_token')).toEqual({
      service_account_email: '${google_service_account.trigger.email}',
      audience: '${local.uri}',
    });
    expect(resource(d.eventFunction, 'google_cloud_run_service_iam_member', 'trigger_invoker').body).toMatchObject({
      role: 'roles/run.invoker',
      member: 'serviceAccount:${google_service_account.trigger.email}',
      service: '${google_cloudfunctions2_function.this.name}',
    });
  });

  it('lets the Pub/Sub service agent dead-letter: publisher on dead-letter topics, subscriber on subscriptions', () => {
    const pub = resource(d.root, 'google_pubsub_topic_iam_member', 'pubsub_agent_dead_letter_publisher').body;
    expect(
      instances(pub, d.root.locals)
        .map((i) => i.key)
        .sort(),
    ).toEqual(consumedTopics);
    expect(pub).toMatchObject({
      role: 'roles/pubsub.publisher',
      topic: '${google_pubsub_topic.dead_letter[each.value].id}',
    });
    const sub = resource(d.eventFunction, 'google_pubsub_subscription_iam_member', 'pubsub_agent_subscriber').body;
    expect(sub).toMatchObject({ for_each: '${google_pubsub_subscription.push}', role: 'roles/pubsub.subscriber' });
    expect(sub.member).toBe('serviceAccount:${var.pubsub_service_agent_email}');
  });
});

describe('producers outside the code', () => {
  it("schedules retrain, monitor check and reconcile with the consumers' exact payloads", () => {
    const jobs = d.root.locals.scheduler_jobs as Record<string, { topic: string; payload: unknown }>;
    expect(
      Object.fromEntries(Object.entries(jobs).map(([k, v]) => [k, { topic: v.topic, payload: v.payload }])),
    ).toEqual({
      'scheduled-retrain': {
        topic: 'retrain-requests',
        payload: { type: 'retrain.requested', modelId: 'ipo-valuation', reason: 'schedule', requestedBy: 'scheduler' },
      },
      'monitor-check': {
        topic: 'drift-alerts',
        payload: { type: 'monitor.scheduled-check', modelId: 'ipo-valuation' },
      },
      reconcile: { topic: 'pipeline-events', payload: { type: 'system.reconcile' } },
    });
    const job = resource(d.root, 'google_cloud_scheduler_job', 'job').body;
    expect(job.for_each).toBe('${local.scheduler_jobs}');
    expect(block(job, 'pubsub_target')).toMatchObject({
      topic_name: '${google_pubsub_topic.topic[each.value.topic].id}',
      data: '${base64encode(jsonencode(each.value.payload))}',
      attributes: { schedulerJob: '${each.key}' },
    });
    // A constant scheduledTime attribute would make every tick a duplicate of the first one.
    expect(Object.keys(block(job, 'pubsub_target')?.attributes as object)).not.toContain('scheduledTime');
  });

  it('routes Vertex pipeline job events and monitoring anomalies to their topics, with publisher grants', () => {
    const sinks = d.root.locals.log_sinks as Record<string, { topic: string; filter: string }>;
    const byTopic = Object.fromEntries(Object.values(sinks).map((s) => [s.topic, s.filter]));
    expect(Object.keys(byTopic).sort()).toEqual(['drift-alerts', 'pipeline-events']);
    expect(byTopic['pipeline-events']).toContain('resource.type="aiplatform.googleapis.com/PipelineJob"');
    expect(byTopic['pipeline-events']).toContain('PIPELINE_STATE_SUCCEEDED');
    expect(byTopic['drift-alerts']).toContain('logName:"model_monitoring_anomaly"');
    const sink = resource(d.root, 'google_logging_project_sink', 'sink').body;
    expect(sink).toMatchObject({ for_each: '${local.log_sinks}', unique_writer_identity: true });
    const grant = resource(d.root, 'google_pubsub_topic_iam_member', 'sink_writer_publisher').body;
    expect(grant).toMatchObject({
      for_each: '${local.log_sinks}',
      role: 'roles/pubsub.publisher',
      topic: '${google_pubsub_topic.topic[each.value.topic].id}',
      member: '${google_logging_project_sink.sink[each.key].writer_identity}',
    });
  });

  it('alerts on the model endpoint through a token-auth webhook whose token is the function secret', () => {
    const channel = resource(d.root, 'google_monitoring_notification_channel', 'drift_webhook').body;
    expect(channel.type).toBe('webhook_tokenauth');
    expect((channel.labels as Record<string, string>).url).toBe(
      '${google_cloudfunctions2_function.drift_webhook.service_config[0].uri}?token=${random_password.drift_webhook_token.result}',
    );
    expect(resource(d.root, 'google_secret_manager_secret_version', 'drift_webhook_token').body.secret_data).toBe(
      '${random_password.drift_webhook_token.result}',
    );
    expect(resolve(d.functions['on-drift-alert'].secret_environment, d.root.locals)).toMatchObject({
      WEBHOOK_TOKEN: { secret: '${google_secret_manager_secret.drift_webhook_token.secret_id}', version: 'latest' },
    });
    expect(
      (resolve(d.functions['on-drift-alert'].environment, d.root.locals) as Record<string, string>)
        .WEBHOOK_TOKEN_SECRET,
    ).toBe('${google_secret_manager_secret.drift_webhook_token.id}/versions/latest');
    const policy = resource(d.root, 'google_monitoring_alert_policy', 'model_serving').body;
    expect(policy.notification_channels).toEqual(['${google_monitoring_notification_channel.drift_webhook.id}']);
    expect(JSON.stringify(policy.conditions)).toContain('resource.labels.endpoint_id');
  });
});
