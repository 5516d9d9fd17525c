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

variable "serving_image_tag" {
  type        = string
  description = "Tag of the serving image (docker/serving.Dockerfile) pushed to the Artifact Registry repository (SERVING_IMAGE); prefer the git SHA."
  default     = "latest"
}

variable "approvers" {
  type        = list(string)
  description = "Approvers (actor names, e.g. emails) of a model created on first sight (IPO_APPROVERS); automation is always added. Change later with a policy.update command."

  validation {
    condition     = length(var.approvers) > 0 && alltrue([for a in var.approvers : length(trimspace(a)) > 0 && !strcontains(a, ",")])
    error_message = "approvers must name at least one approver, without commas."
  }
}

variable "command_publishers" {
  type        = list(string)
  description = "IAM members (e.g. group:mlops-operators@example.com) allowed to publish commands to promotions, retrain-requests, drift-alerts and data-landed. Nobody else can, besides the functions and Google's producers."
  default     = []

  validation {
    condition     = alltrue([for m in var.command_publishers : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):", m))])
    error_message = "command_publishers entries must be IAM members such as group:ops@example.com or serviceAccount:ci@p.iam.gserviceaccount.com."
  }
}

variable "actuals_invokers" {
  type        = list(string)
  description = "IAM members allowed to call the actuals ingestion function (roles/run.invoker), e.g. the loader's service account."
  default     = []

  validation {
    condition     = alltrue([for m in var.actuals_invokers : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):", m))])
    error_message = "actuals_invokers entries must be IAM members such as serviceAccount:loader@p.iam.gserviceaccount.com."
  }
}

variable "actuals_ingress" {
  type        = string
  description = "Ingress of the actuals ingestion function: internal-only by default; ALLOW_ALL still requires an IAM-authenticated caller."
  default     = "ALLOW_INTERNAL_ONLY"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.actuals_ingress)
    error_message = "actuals_ingress must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "lifecycle_notification_channels" {
  type        = list(string)
  description = "Cloud Monitoring notification channel ids (projects/P/notificationChannels/N) that receive lifecycle events needing a human."
  default     = []
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
    error_count_threshold        = optional(number, 5)
    latency_p99_ms               = optional(number, 2000)
    window_seconds               = optional(number, 300)
    lifecycle_auto_close_seconds = optional(number, 1800)
  })
  description = "Thresholds of the serving alert policy whose incidents reach the drift webhook, and how long a lifecycle incident stays open."
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
