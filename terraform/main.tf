# The whole Google Cloud deployment of ipo-mlops. Resources are grouped by concern:
#   main.tf       topology (mirrors shared/domain/topics.ts), environment, APIs, service agents
#   pubsub.tf     topics, dead-letter topics and their subscriptions, service-agent grants
#   functions.tf  the four event functions, the drift webhook and each function's roles
#   data.tf       buckets, Firestore, BigQuery
#   vertex.tf     trainer image repository, pipeline service account, serving endpoint
#   events.tf     Scheduler jobs and log sinks that feed the topics
#   alerting.tf   webhook token, notification channel and alert policy
# test/terraform parses these files and checks them against the code (topics, env, schemas, IAM).

locals {
  # Mirrors TOPICS in shared/domain/topics.ts (test/terraform asserts equality).
  topics = ["data-landed", "retrain-requests", "pipeline-events", "promotions", "drift-alerts", "lifecycle-events"]

  # Topics some function consumes (the union of FUNCTION_TOPICS); each gets a dead-letter topic
  # named deadLetterTopic(topic) = "<topic>-dead-letter" and a subscription on it.
  consumed_topics = ["data-landed", "retrain-requests", "pipeline-events", "promotions", "drift-alerts"]

  model_id      = "ipo-valuation"
  trainer_image = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.trainer.repository_id}/trainer:${var.trainer_image_tag}"

  # What loadConfig() in shared/config.ts needs on the gcp backend, for every function
  # (requiredGcpEnv; test/terraform asserts each function receives exactly the keys it requires).
  common_env = {
    IPO_BACKEND        = "gcp"
    GCP_PROJECT        = var.project_id
    GCP_REGION         = var.region
    FIRESTORE_DATABASE = google_firestore_database.state.name
    LOG_LEVEL          = var.log_level
  }

  # Function-specific keys of requiredGcpEnv(fn).
  function_env = {
    "on-new-data" = {
      ARTIFACT_BUCKET          = google_storage_bucket.artifacts.name
      LANDING_BUCKET           = google_storage_bucket.landing.name
      PIPELINE_SERVICE_ACCOUNT = google_service_account.pipeline.email
      TRAINER_IMAGE            = local.trainer_image
    }
    # Retries, coalesced follow-up runs and the reconciler launch pipelines; the reconciler also
    # re-drives stale deployment effects.
    "on-eval-complete" = {
      ARTIFACT_BUCKET          = google_storage_bucket.artifacts.name
      PIPELINE_SERVICE_ACCOUNT = google_service_account.pipeline.email
      TRAINER_IMAGE            = local.trainer_image
      VERTEX_ENDPOINT_ID       = google_vertex_ai_endpoint.model.name
    }
    "on-promotion" = {
      ARTIFACT_BUCKET    = google_storage_bucket.artifacts.name
      VERTEX_ENDPOINT_ID = google_vertex_ai_endpoint.model.name
    }
    "on-drift-alert" = {
      ARTIFACT_BUCKET      = google_storage_bucket.artifacts.name
      BIGQUERY_DATASET     = google_bigquery_dataset.monitoring.dataset_id
      VERTEX_ENDPOINT_ID   = google_vertex_ai_endpoint.model.name
      WEBHOOK_TOKEN_SECRET = "${google_secret_manager_secret.drift_webhook_token.id}/versions/latest"
    }
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
