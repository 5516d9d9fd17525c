output "function_uris" {
  description = "HTTPS URL of each event function (invocable by its trigger identity only)."
  value = {
    "on-new-data"      = module.on_new_data.uri
    "on-eval-complete" = module.on_eval_complete.uri
    "on-promotion"     = module.on_promotion.uri
    "on-drift-alert"   = module.on_drift_alert.uri
  }
}

output "function_service_accounts" {
  description = "Runtime service account of each function."
  value = {
    "on-new-data"      = module.on_new_data.service_account_email
    "on-eval-complete" = module.on_eval_complete.service_account_email
    "on-promotion"     = module.on_promotion.service_account_email
    "on-drift-alert"   = module.on_drift_alert.service_account_email
  }
}

output "drift_webhook_url" {
  description = "URL of the drift webhook, without its token (the token is in Secret Manager)."
  value       = google_cloudfunctions2_function.drift_webhook.service_config[0].uri
}

output "topics" {
  description = "Topic ids keyed by name, dead-letter topics included."
  value       = merge(local.topic_ids, { for name, id in local.dead_letter_topic_ids : "${name}-dead-letter" => id })
}

output "landing_bucket" {
  description = "Drop data files here to start a training run."
  value       = google_storage_bucket.landing.name
}

output "artifact_bucket" {
  description = "Pipeline roots and model artifacts."
  value       = google_storage_bucket.artifacts.name
}

output "trainer_image" {
  description = "Image URI the trainer must be pushed to (docker push)."
  value       = local.trainer_image
}

output "serving_image" {
  description = "Image URI the serving container (docker/serving.Dockerfile) must be pushed to (docker push)."
  value       = local.serving_image
}

output "serving_service_account" {
  description = "Identity the deployed serving containers run as (writes prediction_log)."
  value       = google_service_account.serving.email
}

output "ingest_actuals_url" {
  description = "URL of the actuals ingestion function (IAM-authenticated: call with an identity token of an actuals_invokers member)."
  value       = google_cloudfunctions2_function.ingest_actuals.service_config[0].uri
}

output "secrets" {
  description = "Secret Manager secrets the functions mount (rotate by adding a version; see docs/deploy.md)."
  value = {
    drift_webhook_token = google_secret_manager_secret.drift_webhook_token.id
    command_signing_key = google_secret_manager_secret.command_signing_key.id
  }
}

output "pipeline_service_account" {
  description = "Identity the Vertex AI pipeline jobs run as."
  value       = google_service_account.pipeline.email
}

output "bigquery_dataset" {
  description = "Dataset with the prediction_log, actuals and metrics tables."
  value       = google_bigquery_dataset.monitoring.dataset_id
}

output "vertex_endpoint_id" {
  description = "Vertex AI endpoint serving the model."
  value       = google_vertex_ai_endpoint.model.name
}
