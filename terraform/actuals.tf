# The actuals ingestion function: realised valuations are POSTed here (entry point ingestActuals,
# body {"actuals":[{"requestId","actualValue","observedAt"?}]}) and joined to the prediction log, so
# performance monitoring and A/B analysis have labels. HTTP-triggered, IAM-authenticated: only
# var.actuals_invokers may call it, and ingress is internal-only unless var.actuals_ingress says otherwise.

resource "google_service_account" "ingest_actuals" {
  project      = var.project_id
  account_id   = "fn-ingest-actuals"
  display_name = "ingest-actuals runtime"
  description  = "Runtime identity of the ingest-actuals Cloud Function."
  depends_on   = [google_project_service.enabled]
}

resource "google_cloudfunctions2_function" "ingest_actuals" {
  project     = var.project_id
  name        = "ingest-actuals"
  location    = var.region
  description = "Realised valuations -> BigQuery actuals, matched to logged predictions."
  labels      = local.labels

  build_config {
    runtime               = "nodejs20"
    entry_point           = "ingestActuals"
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
    service_account_email            = google_service_account.ingest_actuals.email
    available_memory                 = "512Mi"
    available_cpu                    = "1"
    timeout_seconds                  = 120
    min_instance_count               = 0
    max_instance_count               = var.function_scaling.max_instances
    max_instance_request_concurrency = 1
    ingress_settings                 = var.actuals_ingress
    all_traffic_on_latest_revision   = true
    environment_variables            = local.ingest_actuals_env
  }

  depends_on = [google_project_iam_member.builder]
}

# Only the named callers (the loader's identity) may invoke it; there is no public access.
resource "google_cloud_run_service_iam_member" "ingest_actuals_invoker" {
  for_each = toset(var.actuals_invokers)
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.ingest_actuals.name
  role     = "roles/run.invoker"
  member   = each.value
}

# recordActuals first queries prediction_log for the request ids it was given (a query job).
resource "google_project_iam_member" "ingest_actuals_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.ingest_actuals.email}"
}

# ...reading prediction_log only...
resource "google_bigquery_table_iam_member" "ingest_actuals_prediction_reader" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.monitoring.dataset_id
  table_id   = google_bigquery_table.table["prediction_log"].table_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.ingest_actuals.email}"
}

# ...then streams the matched actuals into the actuals table, the only table it writes.
resource "google_bigquery_table_iam_member" "ingest_actuals_writer" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.monitoring.dataset_id
  table_id   = google_bigquery_table.table["actuals"].table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.ingest_actuals.email}"
}
