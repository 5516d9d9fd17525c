# Cloud Monitoring -> drift webhook: the channel and the serving alert policy (the token is in secrets.tf).
# Lifecycle events worth a human -> a log-based metric and an alert policy on the operators' channels.

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

locals {
  # Mirrors ATTENTION_EVENTS in shared/adapters/gcp/lifecycle-log.event-bus.ts (test/terraform asserts
  # equality): the functions log one line with jsonPayload.lifecycleEvent per such published event.
  attention_events = ["approval-needed", "version.rolled-back", "run.failed", "alert.opened"]
}

# Counts lifecycle events that need a human, labelled by event and model.
resource "google_logging_metric" "lifecycle_attention" {
  project     = var.project_id
  name        = "ipo-mlops/lifecycle-attention"
  description = "Lifecycle events that need a human: approval needed, rollback, failed run, alert opened."
  filter      = "resource.type=\"cloud_run_revision\" AND jsonPayload.lifecycleEvent=(${join(" OR ", [for e in local.attention_events : "\"${e}\""])})"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "event"
      value_type  = "STRING"
      description = "Lifecycle event name."
    }
    labels {
      key         = "model_id"
      value_type  = "STRING"
      description = "Model the event belongs to."
    }
  }

  label_extractors = {
    event    = "EXTRACT(jsonPayload.lifecycleEvent)"
    model_id = "EXTRACT(jsonPayload.modelId)"
  }

  depends_on = [google_project_service.enabled]
}

# Opens an incident per (event, model) as soon as one is logged, on the operators' channels
# (Slack, email, PagerDuty channels are created by operators; their ids are a variable).
resource "google_monitoring_alert_policy" "lifecycle_attention" {
  project      = var.project_id
  display_name = "ipo-mlops: lifecycle event needs a human"
  combiner     = "OR"
  user_labels  = { app = "ipo-mlops" }

  conditions {
    display_name = "Approval needed, rollback, failed run or alert opened"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"logging.googleapis.com/user/${google_logging_metric.lifecycle_attention.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.event", "metric.label.model_id"]
      }
      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "${var.alerting.lifecycle_auto_close_seconds}s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A lifecycle event of $${metric.label.model_id} needs a human: **$${metric.label.event}**. The function's log line (jsonPayload.lifecycleEvent) has the subject, reason and correlation id; the audit collection in Firestore has the evidence. Approvals and rollbacks: docs/deploy.md, \"Operate\"."
  }

  notification_channels = var.lifecycle_notification_channels
}
