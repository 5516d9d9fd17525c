output "name" {
  description = "Function name (also its Cloud Run service name)."
  value       = google_cloudfunctions2_function.this.name
}

output "uri" {
  description = "HTTPS URL of the function."
  value       = local.uri
}

output "service_account_email" {
  description = "Runtime service account; grant it resource-level roles outside the module."
  value       = google_service_account.runtime.email
}

output "trigger_service_account_email" {
  description = "Identity that push subscriptions and Eventarc use to invoke the function."
  value       = google_service_account.trigger.email
}

output "source_object" {
  description = "The uploaded source archive, reusable by companion functions built from the same code."
  value = {
    bucket = google_storage_bucket_object.source.bucket
    name   = google_storage_bucket_object.source.name
  }
}

output "subscriptions" {
  description = "Push subscription names keyed by consumed topic."
  value       = { for topic, sub in google_pubsub_subscription.push : topic => sub.name }
}
