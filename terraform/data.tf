# Where data lives: buckets, the Firestore state database, and the BigQuery monitoring dataset.

# Files dropped here start a training run (Eventarc Storage finalize -> on-new-data).
resource "google_storage_bucket" "landing" {
  project                     = var.project_id
  name                        = "${var.project_id}-ipo-landing"
  location                    = var.region
  labels                      = local.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  depends_on                  = [google_project_service.enabled]
}

# Pipeline roots, dataset snapshots and model artifacts; versioned so an artifact is never lost.
resource "google_storage_bucket" "artifacts" {
  project                     = var.project_id
  name                        = "${var.project_id}-ipo-artifacts"
  location                    = var.region
  labels                      = local.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

# Content-addressed function source archives (see modules/event-function).
resource "google_storage_bucket" "function_sources" {
  project                     = var.project_id
  name                        = "${var.project_id}-ipo-function-sources"
  location                    = var.region
  labels                      = local.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  depends_on                  = [google_project_service.enabled]
}

# State store of the gcp backend (models, versions, runs, deployments, ledger, outbox, audit).
resource "google_firestore_database" "state" {
  project                 = var.project_id
  name                    = var.firestore_database
  location_id             = var.firestore_location
  type                    = "FIRESTORE_NATIVE"
  concurrency_mode        = "PESSIMISTIC"
  delete_protection_state = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy         = var.deletion_protection ? "ABANDON" : "DELETE"
  depends_on              = [google_project_service.enabled]
}

locals {
  # Mirrors BIGQUERY_TABLES in shared/domain/bigquery-schemas.ts; each table's columns are read from
  # schemas/bigquery/<table>.json, which test/terraform checks equal to that module's output.
  bigquery_tables = {
    prediction_log = {
      description     = "Every online prediction (request id, version, features, prediction) for joining with actuals."
      partition_field = "predicted_at"
      clustering      = ["model_id", "model_version"]
    }
    actuals = {
      description     = "Realised valuations, joined to the prediction log on request_id."
      partition_field = "observed_at"
      clustering      = ["model_id"]
    }
    metrics = {
      description     = "Business and monitoring metrics recorded by the metrics sink."
      partition_field = "recorded_at"
      clustering      = ["model_id", "metric"]
    }
  }
}

resource "google_bigquery_dataset" "monitoring" {
  project     = var.project_id
  dataset_id  = var.bigquery_dataset_id
  location    = var.bigquery_location
  description = "ipo-mlops prediction history, actuals and metrics."
  labels      = local.labels
  depends_on  = [google_project_service.enabled]
}

resource "google_bigquery_table" "table" {
  for_each            = local.bigquery_tables
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.monitoring.dataset_id
  table_id            = each.key
  description         = each.value.description
  labels              = local.labels
  deletion_protection = var.deletion_protection
  schema              = file("${path.module}/schemas/bigquery/${each.key}.json")
  clustering          = each.value.clustering

  time_partitioning {
    type  = "DAY"
    field = each.value.partition_field
  }
}
