variable "project_id" {
  type        = string
  description = "Project that hosts the function, its service accounts and its subscriptions."
}

variable "region" {
  type        = string
  description = "Region of the function (and of its Cloud Run service)."
}

variable "name" {
  type        = string
  description = "Function name, one of FUNCTION_NAMES in shared/domain/topics.ts (also the Cloud Run service name)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,25}$", var.name))
    error_message = "name must be lower-case kebab-case, at most 26 characters (it prefixes service account ids)."
  }
}

variable "description" {
  type        = string
  description = "Human-readable purpose of the function."
}

variable "entry_point" {
  type        = string
  description = "functions-framework target registered in functions/index.ts (entryPointOf(name))."
}

variable "runtime" {
  type        = string
  description = "Cloud Functions runtime."
  default     = "nodejs20"
}

variable "source_archive" {
  type = object({
    bucket = string
    path   = string
  })
  description = "Bucket to upload the source to, and the local path of the zip built by `npm run package:functions`. The object is named by the zip's MD5, so a new build redeploys and an unchanged one does not."
}

variable "build_service_account" {
  type        = string
  description = "Full resource name (projects/P/serviceAccounts/EMAIL) of the account Cloud Build uses to build the function."
}

variable "environment" {
  type        = map(string)
  description = "Environment variables; must cover requiredGcpEnv(name) from shared/config.ts (checked by test/terraform)."
}

variable "secret_environment" {
  type = map(object({
    secret  = string
    version = optional(string, "latest")
  }))
  description = "Environment variables read from Secret Manager at instance start, keyed by variable name (secret is the secret id)."
  default     = {}
}

variable "scaling" {
  type = object({
    memory          = optional(string, "1Gi")
    cpu             = optional(string, "1")
    timeout_seconds = optional(number, 300)
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 10)
    concurrency     = optional(number, 1)
  })
  description = "Instance size and scaling. The push subscriptions' ack deadline equals timeout_seconds, so keep it at most 600."
  default     = {}

  validation {
    condition     = var.scaling.timeout_seconds >= 10 && var.scaling.timeout_seconds <= 540
    error_message = "timeout_seconds must be within 10..540 (event functions' limit; it is also the push ack deadline)."
  }
}

variable "ingress" {
  type        = string
  description = "Ingress setting. Pub/Sub push and Eventarc count as internal traffic, so event functions stay internal-only."
  default     = "ALLOW_INTERNAL_ONLY"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.ingress)
    error_message = "ingress must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

variable "push_topics" {
  type        = list(string)
  description = "Topics this function consumes (FUNCTION_TOPICS[name]); each gets a push subscription with retry and dead-letter policies."
  default     = []
}

variable "publishes_to" {
  type        = list(string)
  description = "Topics this function publishes to (FUNCTION_PUBLISHES[name]); each gets a topic-level roles/pubsub.publisher grant."
  default     = []
}

variable "topic_ids" {
  type        = map(string)
  description = "Every topic's id (projects/P/topics/T) keyed by topic name."
}

variable "dead_letter_topic_ids" {
  type        = map(string)
  description = "Dead-letter topic id keyed by the consumed topic's name."
}

variable "delivery" {
  type = object({
    minimum_backoff       = optional(string, "10s")
    maximum_backoff       = optional(string, "600s")
    max_delivery_attempts = optional(number, 5)
    message_retention     = optional(string, "604800s")
  })
  description = "Retry and dead-letter settings of the push subscriptions."
  default     = {}

  validation {
    condition     = var.delivery.max_delivery_attempts >= 5 && var.delivery.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be within 5..100 (Pub/Sub's limits)."
  }
}

variable "storage_trigger" {
  type = object({
    bucket = string
  })
  description = "When set, an Eventarc trigger on google.cloud.storage.object.v1.finalized in this bucket (with retries)."
  default     = null
}

variable "project_roles" {
  type        = list(string)
  description = "Project-level roles of the runtime service account; the caller names the code path needing each one."
  default     = []

  validation {
    condition     = length(setintersection(toset(var.project_roles), toset(["roles/owner", "roles/editor", "roles/viewer"]))) == 0
    error_message = "Primitive roles are not allowed."
  }
}

variable "pubsub_service_agent_email" {
  type        = string
  description = "service-PROJECT_NUMBER@gcp-sa-pubsub: signs push OIDC tokens and forwards to dead-letter topics."
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to the function and its subscriptions."
  default     = {}
}
