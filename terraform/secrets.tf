# The two secrets the functions hold, generated here and stored in Secret Manager. Cloud Run mounts
# each into the functions that use it as an environment variable, resolved at instance start (no
# Secret Manager call on the request path); the *_SECRET variables name the same versions, so a
# function started without the mount reads them once at cold start (shared/composition/gcp.ts).
# Rotation: docs/deploy.md ("Rotate the webhook token and the signing key").

# The webhook_tokenauth channel carries its token in the URL's query string (no custom headers);
# shared/services/webhook.service.ts compares it with WEBHOOK_TOKEN in constant time.
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

# The HMAC key automation commands on `promotions` are signed with (attribute `signature`): functions
# sign what they publish as actor `automation`, on-promotion refuses an unsigned or badly signed one.
resource "random_password" "command_signing_key" {
  length  = 64
  special = false
}

resource "google_secret_manager_secret" "command_signing_key" {
  project   = var.project_id
  secret_id = "command-signing-key"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_version" "command_signing_key" {
  secret      = google_secret_manager_secret.command_signing_key.id
  secret_data = random_password.command_signing_key.result
}

locals {
  # Mounted secrets per function; the event-function module grants secretAccessor on exactly these
  # secrets to the function's own identity. Every function signs or verifies commands; only
  # on-drift-alert (event and webhook entries) checks the webhook token.
  signing_key_mount = {
    COMMAND_SIGNING_KEY = { secret = google_secret_manager_secret.command_signing_key.secret_id, version = "latest" }
  }
  webhook_token_mount = {
    WEBHOOK_TOKEN = { secret = google_secret_manager_secret.drift_webhook_token.secret_id, version = "latest" }
  }
  function_secrets = {
    "on-new-data"      = local.signing_key_mount
    "on-eval-complete" = local.signing_key_mount
    "on-promotion"     = local.signing_key_mount
    "on-drift-alert"   = merge(local.signing_key_mount, local.webhook_token_mount)
  }
}
