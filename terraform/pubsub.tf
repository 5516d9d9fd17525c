# Topics, dead-letter topics, and what the Pub/Sub service agent needs to dead-letter.
# Consumer (push) subscriptions live in modules/event-function, next to the function they feed.

resource "google_pubsub_topic" "topic" {
  for_each                   = toset(local.topics)
  project                    = var.project_id
  name                       = each.value
  labels                     = local.labels
  message_retention_duration = var.delivery.message_retention
  depends_on                 = [google_project_service.enabled]
}

resource "google_pubsub_topic" "dead_letter" {
  for_each   = toset(local.consumed_topics)
  project    = var.project_id
  name       = "${each.value}-dead-letter"
  labels     = merge(local.labels, { dead_letter_for = each.value })
  depends_on = [google_project_service.enabled]
}

# Without a subscription, dead-lettered messages would be dropped; operators pull and replay from here.
resource "google_pubsub_subscription" "dead_letter" {
  for_each                   = toset(local.consumed_topics)
  project                    = var.project_id
  name                       = "${each.value}-dead-letter"
  topic                      = google_pubsub_topic.dead_letter[each.value].id
  labels                     = local.labels
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = true

  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering publishes as the Pub/Sub service agent: publisher on each dead-letter topic.
resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter_publisher" {
  for_each = toset(local.consumed_topics)
  project  = var.project_id
  topic    = google_pubsub_topic.dead_letter[each.value].id
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_project_service_identity.pubsub.email}"
}

locals {
  # Topics that carry commands (what to train, deploy, roll back, alert on). Pub/Sub does not tell a
  # push subscriber who published a message, so the actor field of a command is a claim: publishing
  # rights are the control. Publisher on these topics is held only by the functions that publish
  # them (modules/event-function), Google's producers (Cloud Scheduler's agent, the log sinks, the
  # Storage agent behind Eventarc), and the principals listed in var.command_publishers.
  command_topics = ["promotions", "retrain-requests", "drift-alerts", "data-landed"]
  command_publisher_grants = {
    for pair in setproduct(local.command_topics, var.command_publishers) : "${pair[0]} ${pair[1]}" => { topic = pair[0], member = pair[1] }
  }
}

# Operators (a group, CI) publish commands with gcloud or the CLI: publisher on the command topics only.
resource "google_pubsub_topic_iam_member" "command_publishers" {
  for_each = local.command_publisher_grants
  project  = var.project_id
  topic    = google_pubsub_topic.topic[each.value.topic].id
  role     = "roles/pubsub.publisher"
  member   = each.value.member
}
