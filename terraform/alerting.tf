# Cloud Monitoring -> drift webhook: the token, its secret, the channel, and the alert policy.

# The webhook_tokenauth channel carries its token in the URL's query string (no custom headers);
# functions/on-drift-alert/webhook.ts reads it as ?token=. The token is generated here, stored in
# Secret Manager, and mounted into the function as WEBHOOK_TOKEN.
resource "random_password" "drift_webhook_token" {
  length  = 48
  special = false
}

resource "google_secret_manager_secret" "drift_webhook_token" {
  project   = var.project_id
  secret_id = "drift-webhook-token"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_version" "drift_webhook_token" {
  secret      = google_secret_manager_secret.drift_webhook_token.id
  secret_data = random_password.drift_webhook_token.result
}

locals {
  # WEBHOOK_TOKEN reaches on-drift-alert (event and webhook entries) from Secret Manager; the module
  # grants secretAccessor on this one secret to the on-drift-alert identity only.
  drift_secret_environment = {
    WEBHOOK_TOKEN = { secret = google_secret_manager_secret.drift_webhook_token.secret_id, version = "latest" }
  }
}

resource "google_monitoring_notification_channel" "drift_webhook" {
  project      = var.project_id
  display_name = "ipo-mlops drift webhook"
  type         = "webhook_tokenauth"
  description  = "Posts incidents (schema 1.2) to on-drift-alert-webhook."
  labels = {
    url = "${google_cloudfunctions2_function.drift_webhook.service_config[0].uri}?token=${random_password.drift_webhook_token.result}"
  }
  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "model_serving" {
  project      = var.project_id
  display_name = "${local.model_id}: serving degraded"
  combiner     = "OR"
  user_labels  = { model_id = local.model_id }

  conditions {
    display_name = "Online prediction errors on the ${local.model_id} endpoint"
    condition_threshold {
      filter          = "resource.type = \"aiplatform.googleapis.com/Endpoint\" AND resource.labels.endpoint_id = \"${google_vertex_ai_endpoint.model.name}\" AND metric.type = \"aiplatform.googleapis.com/prediction/online/error_count\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alerting.error_count_threshold
      duration        = "0s"
      aggregations {
        alignment_period     = "${var.alerting.window_seconds}s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }

  conditions {
    display_name = "p99 prediction latency on the ${local.model_id} endpoint"
    condition_threshold {
      filter          = "resource.type = \"aiplatform.googleapis.com/Endpoint\" AND resource.labels.endpoint_id = \"${google_vertex_ai_endpoint.model.name}\" AND metric.type = \"aiplatform.googleapis.com/prediction/online/prediction_latencies\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alerting.latency_p99_ms
      duration        = "${var.alerting.window_seconds}s"
      aggregations {
        alignment_period     = "${var.alerting.window_seconds}s"
        per_series_aligner   = "ALIGN_PERCENTILE_99"
        cross_series_reducer = "REDUCE_MAX"
      }
      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "1800s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "The drift webhook (on-drift-alert) receives this incident, confirms it against the prediction log and rolls back or retrains per the model's policy."
  }

  notification_channels = [google_monitoring_notification_channel.drift_webhook.id]
}
