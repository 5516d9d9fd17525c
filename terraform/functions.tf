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
  secret_environment         = local.function_secrets["on-new-data"]
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

  depends_on = [google_project_service.enabled, google_project_iam_member.builder, google_secret_manager_secret_version.command_signing_key, google_project_iam_member.gcs_agent_publisher]
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
  secret_environment         = local.function_secrets["on-eval-complete"]
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
    "roles/aiplatform.user", # pipelineJobs.get/create (verification, retries, reconciler); models.upload, endpoints.deployModel (re-driven deployments)
  ]

  depends_on = [google_project_service.enabled, google_project_iam_member.builder, google_secret_manager_secret_version.command_signing_key]
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
  secret_environment         = local.function_secrets["on-promotion"]
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
    "roles/aiplatform.user", # model serving adapter: models.upload, endpoints.deployModel / undeployModel / traffic split
  ]

  depends_on = [google_project_service.enabled, google_project_iam_member.builder, google_secret_manager_secret_version.command_signing_key]
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
  secret_environment         = local.function_secrets["on-drift-alert"]
  scaling                    = var.function_scaling
  delivery                   = var.delivery
  push_topics                = ["drift-alerts"]
  publishes_to               = ["lifecycle-events", "retrain-requests", "promotions"]
  topic_ids                  = local.topic_ids
  dead_letter_topic_ids      = local.dead_letter_topic_ids
  pubsub_service_agent_email = google_project_service_identity.pubsub.email
  labels                     = local.labels
  project_roles = [
    "roles/datastore.user",          # Firestore state store: alerts, ledger, audit
    "roles/bigquery.jobUser",        # prediction log / actuals queries (drift, performance, A/B) run as jobs
    "roles/monitoring.metricWriter", # metrics sink: metricDescriptors.create and timeSeries.create (custom metrics)
  ]

  depends_on = [google_project_service.enabled, google_project_iam_member.builder, google_secret_manager_secret_version.command_signing_key, google_secret_manager_secret_version.drift_webhook_token]
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
      for_each = local.function_secrets["on-drift-alert"]
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

# The documented roles of a custom Cloud Functions build account. They are project-level because the
# build reads the source from the gcf-v2-sources-* bucket and pushes to the gcf-artifacts repository,
# which Cloud Functions creates during the first deployment (no resource exists to grant on before).
# Every function depends on these grants, so the first `terraform apply` builds instead of failing.
resource "google_project_iam_member" "builder" {
  for_each = {
    "roles/logging.logWriter"       = "build steps stream their logs to Cloud Logging"
    "roles/artifactregistry.writer" = "built images are pushed to gcf-artifacts"
    "roles/storage.objectAdmin"     = "the build reads the function source the service copied to gcf-v2-sources-*"
  }
  project = var.project_id
  role    = each.key
  member  = "serviceAccount:${google_service_account.builder.email}"
}

# --- Resource-level roles of the runtime identities -------------------------------------------

# on-new-data: the Storage finalize handler reads the landed object (size, checksum, data contract).
resource "google_storage_bucket_iam_member" "on_new_data_landing_reader" {
  bucket = google_storage_bucket.landing.name
  role   = "roles/storage.objectViewer"
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

# on-eval-complete reads run artifacts (evaluation report, model files for servability and the champion
# comparison); on-drift-alert reads the training baseline distributions used for drift and skew.
resource "google_storage_bucket_iam_member" "artifact_readers" {
  for_each = {
    "on-eval-complete" = module.on_eval_complete.service_account_email
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

# on-promotion deploys versions that run as the serving identity (deployedModel.serviceAccount), and
# on-eval-complete's reconciler re-drives deployments: both must be able to act as it.
resource "google_service_account_iam_member" "deployers_act_as_serving" {
  for_each = {
    "on-promotion"     = module.on_promotion.service_account_email
    "on-eval-complete" = module.on_eval_complete.service_account_email
  }
  service_account_id = google_service_account.serving.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${each.value}"
}
