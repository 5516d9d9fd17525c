# Vertex AI: the image repository (trainer and serving images), the identities pipeline jobs and
# serving containers run as, and the endpoint.

resource "google_artifact_registry_repository" "trainer" {
  project       = var.project_id
  location      = var.region
  repository_id = "ipo-mlops"
  format        = "DOCKER"
  description   = "Trainer (docker/trainer.Dockerfile) and serving (docker/serving.Dockerfile) images."
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

# The serving containers run as this account (deployedModel.serviceAccount): Vertex's default serving
# identity cannot be granted anything, and the container must write the prediction log.
resource "google_service_account" "serving" {
  project      = var.project_id
  account_id   = "ipo-serving"
  display_name = "ipo-mlops serving container"
  description  = "Identity of the deployed serving containers (docker/serving.Dockerfile): reads the model, logs predictions."
  depends_on   = [google_project_service.enabled]
}

# The serving container streams every prediction into prediction_log (tabledata.insertAll), and nothing else.
resource "google_bigquery_table_iam_member" "serving_prediction_log_writer" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.monitoring.dataset_id
  table_id   = google_bigquery_table.table["prediction_log"].table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.serving.email}"
}

# The container loads the model from AIP_STORAGE_URI, which Vertex points at the version's artifactUri
# under runs/ in this bucket.
resource "google_storage_bucket_iam_member" "serving_artifact_reader" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.serving.email}"
}
