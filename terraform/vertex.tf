# Vertex AI: the trainer image repository, the identity pipeline jobs run as, and the endpoint.

resource "google_artifact_registry_repository" "trainer" {
  project       = var.project_id
  location      = var.region
  repository_id = "ipo-mlops"
  format        = "DOCKER"
  description   = "Trainer image (docker/trainer.Dockerfile) run by the Vertex AI pipeline components."
  labels        = local.labels
  depends_on    = [google_project_service.enabled]
}

# Pipeline jobs run as this account, never as a function's identity or a default account.
resource "google_service_account" "pipeline" {
  project      = var.project_id
  account_id   = "ipo-pipeline"
  display_name = "ipo-mlops Vertex pipeline"
  description  = "Identity of the Vertex AI pipeline jobs (extract, validate, features, train, evaluate, artifacts)."
  depends_on   = [google_project_service.enabled]
}

# Pipeline components run as Vertex custom jobs and write pipeline metadata.
resource "google_project_iam_member" "pipeline_aiplatform_user" {
  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.pipeline.email}"
}

# The extract step can read a BigQuery table named by the data contract (queries run as jobs).
resource "google_project_iam_member" "pipeline_bigquery_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.pipeline.email}"
}

# Extract reads landed CSV files.
resource "google_storage_bucket_iam_member" "pipeline_landing_reader" {
  bucket = google_storage_bucket.landing.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.pipeline.email}"
}

# Every step reads and writes the pipeline root and the model artifacts.
resource "google_storage_bucket_iam_member" "pipeline_artifact_user" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.pipeline.email}"
}

# Extract reads the dataset's tables (e.g. actuals-enriched training data) when the contract says so.
resource "google_bigquery_dataset_iam_member" "pipeline_dataset_reader" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.monitoring.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.pipeline.email}"
}

# The serving endpoint; on-promotion manages its deployed models and traffic split.
resource "google_vertex_ai_endpoint" "model" {
  project      = var.project_id
  name         = var.vertex_endpoint_id
  display_name = local.model_id
  description  = "Serves the ${local.model_id} model (champion, canary and challengers)."
  location     = var.region
  region       = var.region
  labels       = local.labels
  depends_on   = [google_project_service.enabled]
}
