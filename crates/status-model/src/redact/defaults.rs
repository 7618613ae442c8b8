//! The default redaction policy.

/// What the default policy drops, by field name: environment values, message text and anything
/// named like a secret. A pattern without a dot names a field by its own name at any depth,
/// compared part by part (`*_token_*` is a field with a `token` part: `token`, `api_token`,
/// `token_file`, never `tokenizer` or `max_tokens`), and never a name the user chose.
///
/// Error and reason strings (`last_error`, `error_summary`, `last_result`) are kept: every string
/// that leaves is scrubbed of the secrets inside it instead ([`scrub_secrets`](super::scrub_secrets)).
pub const DEFAULT_DROP: &[&str] = &[
    "env",
    "environ",
    "environment",
    "*_token_*",
    "*_secret_*",
    "*_secrets_*",
    "*_password_*",
    "*_passwd_*",
    "*_apikey_*",
    "*_key",
    "*_credential_*",
    "*_credentials_*",
    "*_authorization_*",
    "*_cookie_*",
    "*_cookies_*",
    "text",
    "body",
    "content",
    "message",
    "message_text",
    "last_message",
    "payload",
];
