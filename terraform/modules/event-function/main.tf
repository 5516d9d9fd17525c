# One event-driven Cloud Function (gen2) with its own runtime identity, its own trigger identity,
# and the delivery plumbing for every topic it consumes.
#
# Delivery design: Pub/Sub topics reach the function through EXPLICIT push subscriptions declared
# here, not through Eventarc Pub/Sub triggers. Eventarc creates and owns its subscription, so
# Terraform cannot give it a dead-letter policy; an explicit push subscription can carry the retry
# policy, the dead-letter policy and an OIDC token, and its push URL ends in projects/P/topics/T so
# functions-framework recovers the topic from the raw push body (see reference/gcp-events.md §1).
# Storage finalize events have no subscription of ours to configure, so they use an Eventarc
# trigger with RETRY_POLICY_RETRY.

locals {
  uri = google_cloudfunctions2_function.this.service_config[0].uri
}

# Runtime identity: the only principal the function's code runs as. The caller grants its roles.
resource "google_service_account" "runtime" {
  project      = var.project_id
  account_id   = "fn-${var.name}"
  display_name = "${var.name} runtime"
  description  = "Runtime identity of the ${var.name} Cloud Function."
}

# Trigger identity: signs push / Eventarc requests; can do nothing but invoke this one function.
resource "google_service_account" "trigger" {
  project      = var.project_id
  account_id   = "trg-${var.name}"
  display_name = "${var.name} trigger"
  description  = "Identity Pub/Sub push and Eventarc use to invoke ${var.name}."
}

resource "google_storage_bucket_object" "source" {
  # Content-addressed: a new build yields a new object name and so a new function revision.
  name   = "${var.name}/${filemd5(var.source_archive.path)}.zip"
  bucket = var.source_archive.bucket
  source = var.source_archive.path
}

resource "google_cloudfunctions2_function" "this" {
  project     = var.project_id
  name        = var.name
  location    = var.region
  description = var.description
  labels      = var.labels

  build_config {
    runtime         = var.runtime
    entry_point     = var.entry_point
    service_account = var.build_service_account
    # The archive holds the compiled dist/ only (no TypeScript sources): install dependencies, run no scripts.
    environment_variables = { GOOGLE_NODE_RUN_SCRIPTS = "" }
    source {
      storage_source {
        bucket = var.source_archive.bucket
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.runtime.email
    available_memory                 = var.scaling.memory
    available_cpu                    = var.scaling.cpu
    timeout_seconds                  = var.scaling.timeout_seconds
    min_instance_count               = var.scaling.min_instances
    max_instance_count               = var.scaling.max_instances
    max_instance_request_concurrency = var.scaling.concurrency
    ingress_settings                 = var.ingress
    all_traffic_on_latest_revision   = true
    environment_variables            = var.environment

    dynamic "secret_environment_variables" {
      for_each = var.secret_environment
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  dynamic "event_trigger" {
    for_each = var.storage_trigger == null ? [] : [var.storage_trigger]
    content {
      trigger_region        = var.region
      event_type            = "google.cloud.storage.object.v1.finalized"
      retry_policy          = "RETRY_POLICY_RETRY"
      service_account_email = google_service_account.trigger.email
      event_filters {
        attribute = "bucket"
        value     = event_trigger.value.bucket
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.runtime_secret_accessor]
}

# Secret env vars are resolved at instance start by the runtime identity, for its own secrets only
# (config.ts: WEBHOOK_TOKEN for the drift webhook's token check).
resource "google_secret_manager_secret_iam_member" "runtime_secret_accessor" {
  for_each  = var.secret_environment
  project   = var.project_id
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.runtime.email}"
}

# Project-level roles the caller lists (with the code path needing each one next to it).
resource "google_project_iam_member" "runtime" {
  for_each = toset(var.project_roles)
  project  = var.project_id
  role     = each.value
  member   = "serviceAccount:${google_service_account.runtime.email}"
}

# The event bus adapter publishes outbox messages and lifecycle events: publisher on exactly these topics.
resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = toset(var.publishes_to)
  project  = var.project_id
  topic    = var.topic_ids[each.value]
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_service_account.runtime.email}"
}

# Pub/Sub push and Eventarc deliver as the trigger identity: invoker on this function's service only.
resource "google_cloud_run_service_iam_member" "trigger_invoker" {
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.this.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.trigger.email}"
}

# Eventarc Storage triggers require their identity to be an event receiver (project-level role only).
resource "google_project_iam_member" "trigger_event_receiver" {
  count   = var.storage_trigger == null ? 0 : 1
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.trigger.email}"
}

# The Pub/Sub service agent mints the push OIDC token as the trigger identity.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  service_account_id = google_service_account.trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${var.pubsub_service_agent_email}"
}

resource "google_pubsub_subscription" "push" {
  for_each = toset(var.push_topics)
  project  = var.project_id
  name     = "${var.name}--${each.value}"
  topic    = var.topic_ids[each.value]
  labels   = var.labels

  # For push, the ack deadline is also the HTTP timeout: match the function's timeout.
  ack_deadline_seconds       = var.scaling.timeout_seconds
  message_retention_duration = var.delivery.message_retention

  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = var.delivery.minimum_backoff
    maximum_backoff = var.delivery.maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = var.dead_letter_topic_ids[each.value]
    max_delivery_attempts = var.delivery.max_delivery_attempts
  }

  push_config {
    # functions-framework reads the topic from a projects/P/topics/T path on raw push bodies.
    push_endpoint = "${local.uri}/${var.topic_ids[each.value]}"
    oidc_token {
      service_account_email = google_service_account.trigger.email
      audience              = local.uri
    }
  }

  depends_on = [
    google_cloud_run_service_iam_member.trigger_invoker,
    google_service_account_iam_member.pubsub_token_creator,
  ]
}

# Dead-lettering acks the source message as the Pub/Sub service agent: subscriber on each subscription.
resource "google_pubsub_subscription_iam_member" "pubsub_agent_subscriber" {
  for_each     = google_pubsub_subscription.push
  project      = var.project_id
  subscription = each.value.name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${var.pubsub_service_agent_email}"
}
