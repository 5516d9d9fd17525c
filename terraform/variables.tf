variable "project_id" {
  type        = string
  description = "Google Cloud project to deploy into (an empty project works)."
}

variable "region" {
  type        = string
  description = "Region of the functions, buckets, Artifact Registry, Scheduler jobs and Vertex AI resources (GCP_REGION)."
  default     = "us-central1"
}

variable "firestore_location" {
  type        = string
  description = "Location of the Firestore database (a multi-region such as nam5, or a region)."
  default     = "nam5"
}

variable "firestore_database" {
  type        = string
  description = "Firestore database id (FIRESTORE_DATABASE)."
  default     = "(default)"
}

variable "bigquery_location" {
  type        = string
  description = "Location of the BigQuery dataset holding prediction history, actuals and metrics."
  default     = "US"
}

variable "bigquery_dataset_id" {
  type        = string
  description = "BigQuery dataset id (BIGQUERY_DATASET)."
  default     = "ipo_mlops"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]+$", var.bigquery_dataset_id))
    error_message = "bigquery_dataset_id may contain only letters, digits and underscores."
  }
}

variable "function_source_archive" {
  type        = string
  description = "Path (relative to this directory) of the zip built by `npm run package:functions`."
  default     = "../dist/function-source.zip"
}

variable "trainer_image_tag" {
  type        = string
  description = "Tag of the trainer image pushed to the Artifact Registry repository (TRAINER_IMAGE); prefer an immutable tag such as the git SHA."
  default     = "latest"
}

variable "vertex_endpoint_id" {
  type        = string
  description = "Numeric id of the Vertex AI endpoint serving the model (VERTEX_ENDPOINT_ID); Terraform creates the endpoint with this id."

  validation {
    condition     = can(regex("^[1-9][0-9]{0,9}$", var.vertex_endpoint_id))
    error_message = "vertex_endpoint_id must be numeric, without leading zeros, at most 10 digits."
  }
}

variable "log_level" {
  type        = string
  description = "Minimum log severity of the functions (LOG_LEVEL)."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "schedules" {
  type = object({
    retrain       = optional(string, "0 3 * * 1")
    monitor_check = optional(string, "0 * * * *")
    reconcile     = optional(string, "*/10 * * * *")
    time_zone     = optional(string, "Etc/UTC")
  })
  description = "Cron schedules of the scheduled retrain, the monitor check and the reconciler."
  default     = {}
}

variable "delivery" {
  type = object({
    minimum_backoff       = optional(string, "10s")
    maximum_backoff       = optional(string, "600s")
    max_delivery_attempts = optional(number, 5)
    message_retention     = optional(string, "604800s")
  })
  description = "Retry backoff, delivery attempts before dead-lettering, and retention of every consumer subscription."
  default     = {}
}

variable "function_scaling" {
  type = object({
    memory          = optional(string, "1Gi")
    cpu             = optional(string, "1")
    timeout_seconds = optional(number, 300)
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 10)
  })
  description = "Instance size and scaling shared by the four functions and the webhook."
  default     = {}
}

variable "alerting" {
  type = object({
    error_count_threshold = optional(number, 5)
    latency_p99_ms        = optional(number, 2000)
    window_seconds        = optional(number, 300)
  })
  description = "Thresholds of the serving alert policy whose incidents reach the drift webhook."
  default     = {}
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the Firestore database and BigQuery tables from `terraform destroy`."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to every resource that takes labels."
  default     = {}
}
