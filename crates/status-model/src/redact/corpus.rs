//! The redaction corpus: secrets planted in error strings that no output may show, and ordinary
//! names and texts that every output must keep unchanged. The tests of every crate and the
//! `secrets` fuzz target (as its seed) share it.

/// Error strings, each with the secret planted in it: the secret must not appear anywhere once
/// the string has been through [`scrub_secrets`](super::scrub_secrets).
pub const SECRETS: &[(&str, &str)] = &[
    ("Hunter2pass", "connect postgres://app:Hunter2pass@db.internal:5432/app: refused"),
    ("s3cretPW!", "mysql://root:s3cretPW!@10.0.0.5/db is unreachable"),
    (
        "ghp_Zq8Xw7Vu6Ts5Rq4Po3Nm2Lk1Jh0GfEdCbA9",
        "clone https://deploy:ghp_Zq8Xw7Vu6Ts5Rq4Po3Nm2Lk1Jh0GfEdCbA9@github.com/o/r.git failed",
    ),
    ("redisPass123", "redis://:redisPass123@cache:6379 timed out"),
    ("guestpw99", "amqp://guest:guestpw99@rabbit/ closed the channel"),
    (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "401 for Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    ("abcDEF123ghiJKL456mno", "gateway refused Bearer abcDEF123ghiJKL456mno (expired)"),
    ("dXNlcjpwYXNzd29yZA==", "proxy said 407 to Basic dXNlcjpwYXNzd29yZA=="),
    ("hunter2", "login failed with password=hunter2 for admin"),
    ("Tr0ub4dor3", "ldap bind passwd: Tr0ub4dor3 rejected"),
    ("AKIAIOSFODNN7EXAMPLE", "s3 upload failed, api_key=AKIAIOSFODNN7EXAMPLE"),
    (
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY is invalid",
    ),
    ("AKIAI44QH8DHBEXAMPLE", "InvalidAccessKeyId: AKIAI44QH8DHBEXAMPLE does not exist"),
    (
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "slack token: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx revoked",
    ),
    (
        "ghp_1234567890abcdefghijABCDEFGHIJ123456",
        "push rejected for ghp_1234567890abcdefghijABCDEFGHIJ123456",
    ),
    (
        "9f8e7d6c5b4a3210FEDCBAzyxw",
        r#"oauth error {"client_secret":"9f8e7d6c5b4a3210FEDCBAzyxw","code":400}"#,
    ),
    (
        "sk-proj-AbC123dEf456GhI789jKl012",
        "model call failed (key sk-proj-AbC123dEf456GhI789jKl012)",
    ),
    ("glpat-xYz123AbC456dEf789Gh", "gitlab answered 403 to glpat-xYz123AbC456dEf789Gh"),
    (
        "django-insecure-8s7d6f5g4h3j2k1l",
        "settings: SECRET_KEY=django-insecure-8s7d6f5g4h3j2k1l is weak",
    ),
    (
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
        "cannot parse private_key: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    ),
    ("a1B2c3D4e5F6g7H8i9J0", "request with cookie=sessionid=a1B2c3D4e5F6g7H8i9J0 bounced"),
    (
        "5f2b9c8e7d6a5b4c3d2e1f0a9b8c7d6e",
        "header X-Api-Key: 5f2b9c8e7d6a5b4c3d2e1f0a9b8c7d6e refused",
    ),
    (
        "ya29.A0ARrdaM-abc123XYZ789def456",
        "refresh with access_token=ya29.A0ARrdaM-abc123XYZ789def456 failed",
    ),
    ("P%40ssw0rd", "proxy https://user:P%40ssw0rd@proxy.corp:3128 unreachable"),
    ("4f9KxQ2mZ7pL8nR3tV6wY1bC5dE0gH", "webhook rejected signature 4f9KxQ2mZ7pL8nR3tV6wY1bC5dE0gH"),
    (
        "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhdXRoIn0.Zm9vYmFyYmF6cXV4MTIzNDU2",
        "stale id token eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhdXRoIn0.Zm9vYmFyYmF6cXV4MTIzNDU2",
    ),
    ("Sup3rS3cret", "sftp login pwd=Sup3rS3cret denied"),
    ("admin/ChangeMe2024", "vault credentials: admin/ChangeMe2024 expired"),
    ("MailPw-2024", "smtp://mailer:MailPw-2024@smtp.example.com:587 said 535"),
    ("Zx8Yw7Vu6Ts5Rq4Po3Nm2", "session_token=Zx8Yw7Vu6Ts5Rq4Po3Nm2 no longer valid"),
];

/// Ordinary names (of repositories, processes, containers, channels) that must always appear.
pub const NAMES: &[&str] = &[
    "monkey-app",
    "keyd",
    "keycloak",
    "turkey",
    "api-gateway",
    "tokenizer",
    "hockey",
    "secret-manager",
    "passwordless-login",
    "token-bucket",
    "keystone",
    "authz-proxy",
    "cookie-jar",
    "credential-helper",
    "whiskey",
    "donkey",
    "key-value-store",
    "bearer-service",
    "basic-web",
    "session-store",
    "keyboard-service",
    "monkeypatch-runner",
    "tokenomics-report",
    "password-policy-docs",
    "secretary-bot",
    "apikey-rotation-cron",
    "auth-gateway",
    "private-notes",
    "credentials-ui",
    "jwt-decoder",
];

/// Ordinary texts that scrubbing must leave exactly as they are.
pub const ORDINARY: &[&str] = &[
    "connection refused (os error 111)",
    "https://example.com/health?verbose=1",
    "postgres://db.internal:5432/app",
    "git@github.com:org/repo.git",
    "ssh://git@github.com/org/repo",
    "/var/lib/status/state.db",
    "3f786850e387550fdab836ed7e6dc881de23001b",
    "2026-03-01T12:00:00Z",
    "Debian GNU/Linux 12 (bookworm)",
    "6.1.0-18-amd64",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "550e8400-e29b-41d4-a716-446655440000",
    "max_tokens=4096",
    "key_env=GATEWAY_KEY",
    "password reset email sent",
    "token bucket empty, retry in 5s",
    "Basic auth is disabled",
    "Bearer token missing",
    "user=alice",
    "timeout after 30s: deadline exceeded",
    "HTTP 503 Service Unavailable",
    "keycloak-realm-admin",
    "monkey-app: 2 commits ahead of origin/main",
    "worktree_conflicts: 1 in api-gateway",
    "database /srv/app/messages.db is locked",
    "ghcr.io/acme/api-gateway:1.4.2",
    "docker: Error response from daemon: No such container: keyd",
    "disk_available:/ at 91.5% used",
    "scheduler tick 12s late",
    "tokenizer model bpe-32k loaded",
];
