# The whole Google Cloud deployment of ipo-mlops. Resources are grouped by concern:
#   main.tf       topology (mirrors shared/domain/topics.ts), environment, APIs, service agents
#   pubsub.tf     topics, dead-letter topics and their subscriptions, service-agent grants
#   functions.tf  the four event functions, the drift webhook and each function's roles
#   data.tf       buckets, Firestore, BigQuery
#   vertex.tf     trainer image repository, pipeline service account, serving endpoint
#   events.tf     Scheduler jobs and log sinks that feed the topics
#   secrets.tf    the drift webhook token and the command signing key (Secret Manager)
#   actuals.tf    the actuals ingestion HTTP function (IAM-authenticated) and its BigQuery grants
#   alerting.tf   serving alert policy -> drift webhook; lifecycle events -> operator channels
# test/terraform parses these files and checks them against the code (topics, env, schemas, IAM).

locals {
  # Mirrors TOPICS in shared/domain/topics.ts (test/terraform asserts equality).
  topics = ["data-landed", "retrain-requests", "pipeline-events", "promotions", "drift-alerts", "lifecycle-events"]

  # Topics some function consumes (the union of FUNCTION_TOPICS); each gets a dead-letter topic
  # named deadLetterTopic(topic) = "<topic>-dead-letter" and a subscription on it.
  consumed_topics = ["data-landed", "retrain-requests", "pipeline-events", "promotions", "drift-alerts"]

  model_id      = "ipo-valuation"
  image_prefix  = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.trainer.repository_id}"
  trainer_image = "${local.image_prefix}/trainer:${var.trainer_image_tag}"
  serving_image = "${local.image_prefix}/serving:${var.serving_image_tag}"

  # What loadConfig() in shared/config.ts needs on the gcp backend, for every event function
  # (requiredGcpEnv; test/terraform and test/gcp check each function receives what it requires).
  common_env = {
    IPO_BACKEND                = "gcp"
    GCP_PROJECT                = var.project_id
    GCP_REGION                 = var.region
    FIRESTORE_DATABASE         = google_firestore_database.state.name
    LOG_LEVEL                  = var.log_level
    ARTIFACT_BUCKET            = google_storage_bucket.artifacts.name
    VERTEX_ENDPOINT_ID         = google_vertex_ai_endpoint.model.name
    IPO_APPROVERS              = join(",", var.approvers)
    COMMAND_SIGNING_KEY_SECRET = "${google_secret_manager_secret.command_signing_key.id}/versions/latest"
  }

  # Function-specific keys of requiredGcpEnv(fn).
  function_env = {
    "on-new-data" = {
      PIPELINE_SERVICE_ACCOUNT = google_service_account.pipeline.email
      TRAINER_IMAGE            = local.trainer_image
    }
    # Retries, coalesced follow-up runs and the reconciler launch pipelines; the reconciler also
    # re-drives stale deployment effects, so it deploys like on-promotion.
    "on-eval-complete" = {
      PIPELINE_SERVICE_ACCOUNT = google_service_account.pipeline.email
      TRAINER_IMAGE            = local.trainer_image
      SERVING_IMAGE            = local.serving_image
      SERVING_SERVICE_ACCOUNT  = google_service_account.serving.email
      BIGQUERY_DATASET         = google_bigquery_dataset.monitoring.dataset_id
    }
    "on-promotion" = {
      SERVING_IMAGE           = local.serving_image
      SERVING_SERVICE_ACCOUNT = google_service_account.serving.email
      BIGQUERY_DATASET        = google_bigquery_dataset.monitoring.dataset_id
    }
    "on-drift-alert" = {
      BIGQUERY_DATASET     = google_bigquery_dataset.monitoring.dataset_id
      WEBHOOK_TOKEN_SECRET = "${google_secret_manager_secret.drift_webhook_token.id}/versions/latest"
    }
  }

  # The actuals ingestion function (actuals.tf) reads and writes BigQuery only.
  ingest_actuals_env = {
    IPO_BACKEND      = "gcp"
    GCP_PROJECT      = var.project_id
    GCP_REGION       = var.region
    LOG_LEVEL        = var.log_level
    BIGQUERY_DATASET = google_bigquery_dataset.monitoring.dataset_id
  }

  labels = merge(var.labels, { app = "ipo-mlops" })
}

data "google_project" "this" {
  project_id = var.project_id
}

resource "google_project_service" "enabled" {
  for_each = toset([
    "aiplatform.googleapis.com",
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "eventarc.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# The Pub/Sub service agent is created lazily; this makes it exist before it is granted anything.
resource "google_project_service_identity" "pubsub" {
  provider   = google-beta
  project    = var.project_id
  service    = "pubsub.googleapis.com"
  depends_on = [google_project_service.enabled]
}

data "google_storage_project_service_account" "gcs" {
  project    = var.project_id
  depends_on = [google_project_service.enabled]
}

# Eventarc's Storage trigger publishes bucket notifications to a topic Eventarc creates and names,
# so the Cloud Storage service agent needs publisher at project level (Eventarc's documented grant).
resource "google_project_iam_member" "gcs_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}
