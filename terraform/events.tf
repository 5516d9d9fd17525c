# Producers that feed the topics from outside the code: Cloud Scheduler jobs and log sinks.

locals {
  # Payloads are fixed contracts of the consumers (shared/domain contracts).
  scheduler_jobs = {
    "scheduled-retrain" = {
      description = "Weekly retrain of ${local.model_id} (on-new-data)."
      schedule    = var.schedules.retrain
      topic       = "retrain-requests"
      payload     = { type = "retrain.requested", modelId = "ipo-valuation", reason = "schedule", requestedBy = "scheduler" }
    }
    "monitor-check" = {
      description = "Scheduled drift / performance / cost check (on-drift-alert)."
      schedule    = var.schedules.monitor_check
      topic       = "drift-alerts"
      payload     = { type = "monitor.scheduled-check", modelId = "ipo-valuation" }
    }
    "reconcile" = {
      description = "Reconciler: re-drive stale outboxes, poll runs stuck in running (on-eval-complete)."
      schedule    = var.schedules.reconcile
      topic       = "pipeline-events"
      payload     = { type = "system.reconcile" }
    }
  }
}

# Cloud Scheduler publishes as its service agent, whose default role (cloudscheduler.serviceAgent)
# carries pubsub.topics.publish; no extra grant is needed.
#
# Pub/Sub targets take static attributes only: Cloud Scheduler cannot stamp the tick's time on the
# message, so no scheduledTime attribute is set (a constant one would make every tick a duplicate of
# the first). The decoders' scheduledTimeOf() then falls back to the message id; see docs/deploy.md.
resource "google_cloud_scheduler_job" "job" {
  for_each    = local.scheduler_jobs
  project     = var.project_id
  region      = var.region
  name        = each.key
  description = each.value.description
  schedule    = each.value.schedule
  time_zone   = var.schedules.time_zone

  pubsub_target {
    topic_name = google_pubsub_topic.topic[each.value.topic].id
    data       = base64encode(jsonencode(each.value.payload))
    attributes = {
      origin       = "cloud-scheduler"
      schedulerJob = each.key
    }
  }

  retry_config {
    retry_count = 3
  }

  depends_on = [google_project_service.enabled]
}

locals {
  log_sinks = {
    # Vertex AI pipeline job terminal states -> on-eval-complete (reference/gcp-events.md §4).
    "vertex-pipeline-job-events" = {
      topic  = "pipeline-events"
      filter = "resource.type=\"aiplatform.googleapis.com/PipelineJob\" AND logName:\"pipeline_job_events\" AND jsonPayload.state=(\"PIPELINE_STATE_SUCCEEDED\" OR \"PIPELINE_STATE_FAILED\" OR \"PIPELINE_STATE_CANCELLED\")"
    }
    # Vertex AI Model Monitoring anomalies -> on-drift-alert (reference/gcp-events.md §3).
    "vertex-model-monitoring-anomalies" = {
      topic  = "drift-alerts"
      filter = "logName:\"model_monitoring_anomaly\""
    }
  }
}

resource "google_logging_project_sink" "sink" {
  for_each               = local.log_sinks
  project                = var.project_id
  name                   = each.key
  destination            = "pubsub.googleapis.com/${google_pubsub_topic.topic[each.value.topic].id}"
  filter                 = each.value.filter
  unique_writer_identity = true
}

# Each sink writes as its own writer identity: publisher on its destination topic only.
resource "google_pubsub_topic_iam_member" "sink_writer_publisher" {
  for_each = local.log_sinks
  project  = var.project_id
  topic    = google_pubsub_topic.topic[each.value.topic].id
  role     = "roles/pubsub.publisher"
  member   = google_logging_project_sink.sink[each.key].writer_identity
}
