# The four event functions (modules/event-function), the drift webhook, and each runtime identity's
# resource-level roles. Every grant names the code path that needs it; no primitive roles anywhere.

locals {
  source_archive = {
    bucket = google_storage_bucket.function_sources.name
    path   = var.function_source_archive
  }
  topic_ids             = { for name, topic in google_pubsub_topic.topic : name => topic.id }
  dead_letter_topic_ids = { for name, topic in google_pubsub_topic.dead_letter : name => topic.id }
}

module "on_new_data" {
  source = "./modules/event-function"

  project_id                 = var.project_id
  region                     = var.region
  name                       = "on-new-data"
  description                = "New data landed or retrain requested: start a training pipeline run."
  entry_point                = "onNewData"
  source_archive             = local.source_archive
  build_service_account      = google_service_account.builder.id
  environment                = merge(local.common_env, local.function_env["on-new-data"])
  scaling                    = var.function_scaling
  delivery                   = var.delivery
  push_topics                = ["data-landed", "retrain-requests"]
  publishes_to               = ["lifecycle-events", "pipeline-events"]
  storage_trigger            = { bucket = google_storage_bucket.landing.name }
  topic_ids                  = local.topic_ids
  dead_letter_topic_ids      = local.dead_letter_topic_ids
  pubsub_service_agent_email = google_project_service_identity.pubsub.email
  labels                     = local.labels
  project_roles = [
    "roles/datastore.user",  # Firestore state store: runs, idempotency ledger and outbox in one transaction
    "roles/aiplatform.user", # pipeline launcher: pipelineJobs.create (job id = run id) and pipelineJobs.get
  ]

  depends_on = [google_project_service.enabled, google_project_iam_member.gcs_agent_publisher]
}

# publishes_to is FUNCTION_PUBLISHES plus pipeline-events: the reconciler (system.reconcile) runs
# here and re-drives every function's stale outbox, so it publishes what any function publishes.
module "on_eval_complete" {
  source = "./modules/event-function"

  project_id                 = var.project_id
  region                     = var.region
  name                       = "on-eval-complete"
  description                = "Pipeline finished: evaluation gate, register the version, request promotion; runs the reconciler."
  entry_point                = "onEvalComplete"
  source_archive             = local.source_archive
  build_service_account      = google_service_account.builder.id
  environment                = merge(local.common_env, local.function_env["on-eval-complete"])
  scaling                    = var.function_scaling
  delivery                   = var.delivery
  push_topics                = ["pipeline-events"]
  publishes_to               = ["lifecycle-events", "promotions", "retrain-requests", "pipeline-events"]
  topic_ids                  = local.topic_ids
  dead_letter_topic_ids      = local.dead_letter_topic_ids
  pubsub_service_agent_email = google_project_service_identity.pubsub.email
  labels                     = local.labels
  project_roles = [
    "roles/datastore.user",  # Firestore state store: versions, runs, ledger, outbox
    "roles/aiplatform.user", # pipelineJobs.get (authoritative state, reconciler) and models.upload (registry)
  ]

  depends_on = [google_project_service.enabled]
}

module "on_promotion" {
  source = "./modules/event-function"

  project_id                 = var.project_id
  region                     = var.region
  name                       = "on-promotion"
  description                = "Approval, promote, canary, rollback and traffic commands: deploy to the endpoint."
  entry_point                = "onPromotion"
  source_archive             = local.source_archive
  build_service_account      = google_service_account.builder.id
  environment                = merge(local.common_env, local.function_env["on-promotion"])
  scaling                    = var.function_scaling
  delivery                   = var.delivery
  push_topics                = ["promotions"]
  publishes_to               = ["lifecycle-events", "promotions"] # an approval queues the canary / promote command
  topic_ids                  = local.topic_ids
  dead_letter_topic_ids      = local.dead_letter_topic_ids
  pubsub_service_agent_email = google_project_service_identity.pubsub.email
  labels                     = local.labels
  project_roles = [
    "roles/datastore.user",  # Firestore state store: deployments, experiments, versions, audit
    "roles/aiplatform.user", # model serving adapter: endpoints.deployModel / undeployModel / traffic split
  ]

  depends_on = [google_project_service.enabled]
}

module "on_drift_alert" {
  source = "./modules/event-function"

  project_id                 = var.project_id
  region                     = var.region
  name                       = "on-drift-alert"
  description                = "Monitoring incident, anomaly or scheduled check: confirm, then retrain or roll back."
  entry_point                = "onDriftAlert"
  source_archive             = local.source_archive
  build_service_account      = google_service_account.builder.id
  environment                = merge(local.common_env, local.function_env["on-drift-alert"])
  secret_environment         = local.drift_secret_environment
  scaling                    = var.function_scaling
  delivery                   = var.delivery
  push_topics                = ["drift-alerts"]
  publishes_to               = ["lifecycle-events", "retrain-requests", "promotions"]
  topic_ids                  = local.topic_ids
  dead_letter_topic_ids      = local.dead_letter_topic_ids
  pubsub_service_agent_email = google_project_service_identity.pubsub.email
  labels                     = local.labels
  project_roles = [
    "roles/datastore.user",    # Firestore state store: alerts, ledger, audit
    "roles/aiplatform.viewer", # reads the endpoint's deployed models (rollback goes through promotions)
    "roles/bigquery.jobUser",  # prediction log / actuals queries (drift, performance, A/B) run as jobs
    "roles/monitoring.viewer", # endpoint request-rate history for the replica recommendation
  ]

  depends_on = [google_project_service.enabled, google_secret_manager_secret_version.drift_webhook_token]
}

# The Cloud Monitoring webhook (webhook_tokenauth) entry of on-drift-alert: same code, same identity,
# HTTP-triggered. Cloud Monitoring cannot send an OIDC token, so this is the one public function;
# the handler rejects requests without the token from Secret Manager (401, no state change).
resource "google_cloudfunctions2_function" "drift_webhook" {
  project     = var.project_id
  name        = "on-drift-alert-webhook"
  location    = var.region
  description = "Cloud Monitoring incident webhook (schema 1.2) of on-drift-alert; token-checked."
  labels      = local.labels

  build_config {
    runtime               = "nodejs20"
    entry_point           = "onDriftAlertWebhook"
    service_account       = google_service_account.builder.id
    environment_variables = { GOOGLE_NODE_RUN_SCRIPTS = "" }
    source {
      storage_source {
        bucket = module.on_drift_alert.source_object.bucket
        object = module.on_drift_alert.source_object.name
      }
    }
  }

  service_config {
    service_account_email            = module.on_drift_alert.service_account_email
    available_memory                 = var.function_scaling.memory
    available_cpu                    = var.function_scaling.cpu
    timeout_seconds                  = 60
    min_instance_count               = 0
    max_instance_count               = var.function_scaling.max_instances
    max_instance_request_concurrency = 1
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    environment_variables            = merge(local.common_env, local.function_env["on-drift-alert"])

    dynamic "secret_environment_variables" {
      for_each = local.drift_secret_environment
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  # The module grants the shared identity secretAccessor before either function starts.
  depends_on = [module.on_drift_alert]
}

# The only unauthenticated invoker in the deployment (Cloud Monitoring webhooks carry no identity).
resource "google_cloud_run_service_iam_member" "drift_webhook_public_invoker" {
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.drift_webhook.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# --- Build identity ---------------------------------------------------------------------------

# Cloud Build builds each function's image as this account instead of a default one with broad roles.
resource "google_service_account" "builder" {
  project      = var.project_id
  account_id   = "fn-builder"
  display_name = "Cloud Functions builder"
  description  = "Builds the ipo-mlops function images from the uploaded source archive."
  depends_on   = [google_project_service.enabled]
}

# Build steps stream their logs to Cloud Logging.
resource "google_project_iam_member" "builder_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.builder.email}"
}

# Built images go to the gcf-artifacts repository that Cloud Functions creates (not ours to name).
resource "google_project_iam_member" "builder_artifact_writer" {
  project = var.project_id
  role    = "roles/artifactregistry.writer"
  member  = "serviceAccount:${google_service_account.builder.email}"
}

# The build reads the uploaded source archive.
resource "google_storage_bucket_iam_member" "builder_source_reader" {
  bucket = google_storage_bucket.function_sources.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.builder.email}"
}

# --- Resource-level roles of the runtime identities -------------------------------------------

# on-new-data: the Storage finalize handler reads the landed object (size, checksum, data contract).
resource "google_storage_bucket_iam_member" "on_new_data_landing_reader" {
  bucket = google_storage_bucket.landing.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${module.on_new_data.service_account_email}"
}

# on-new-data: the artifact store writes the run's dataset snapshot and pipeline root under runs/<runId>/.
resource "google_storage_bucket_iam_member" "on_new_data_artifact_user" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${module.on_new_data.service_account_email}"
}

# on-new-data: the pipeline launcher submits PipelineJobs that run as the pipeline identity (actAs).
resource "google_service_account_iam_member" "on_new_data_acts_as_pipeline" {
  service_account_id = google_service_account.pipeline.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${module.on_new_data.service_account_email}"
}

# on-eval-complete: retries with backoff, coalesced follow-up runs and the reconciler's relaunch of lost
# runs submit PipelineJobs that run as the pipeline identity (actAs), like on-new-data's launches.
resource "google_service_account_iam_member" "on_eval_complete_acts_as_pipeline" {
  service_account_id = google_service_account.pipeline.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${module.on_eval_complete.service_account_email}"
}

# on-eval-complete, on-promotion, on-drift-alert: read model artifacts (evaluation report, model files,
# training baseline distributions used for drift and skew).
resource "google_storage_bucket_iam_member" "artifact_readers" {
  for_each = {
    "on-eval-complete" = module.on_eval_complete.service_account_email
    "on-promotion"     = module.on_promotion.service_account_email
    "on-drift-alert"   = module.on_drift_alert.service_account_email
  }
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${each.value}"
}

# on-drift-alert: the drift / performance / A-B queries read the prediction log and actuals.
resource "google_bigquery_dataset_iam_member" "on_drift_alert_reader" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.monitoring.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${module.on_drift_alert.service_account_email}"
}

# on-drift-alert: the metrics sink appends business / monitoring metrics to the metrics table only.
resource "google_bigquery_table_iam_member" "on_drift_alert_metrics_writer" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.monitoring.dataset_id
  table_id   = google_bigquery_table.table["metrics"].table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${module.on_drift_alert.service_account_email}"
}
