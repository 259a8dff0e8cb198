//! Authentication: password hashing, JWTs, opaque tokens and the settings
//! that configure them.

pub mod jwt;
pub mod password;
pub mod secret;
pub mod tokens;

pub use jwt::JwtKeys;
pub use secret::Secret;

use std::path::PathBuf;

use chrono::TimeDelta;

use crate::auth::jwt::{JwtAlgorithm, KeyError};
use crate::config::AuthSettings;

/// Where the embedded default keeps its generated secret: beside the SQLite
/// file. `None` for PostgreSQL and in-memory databases.
fn secret_file(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(format!("{path}.jwt-secret")))
}

/// Loads or creates the signing keys described by `settings`.
pub fn load_keys(settings: &AuthSettings, database_url: &str) -> Result<JwtKeys, KeyError> {
    let ttl = TimeDelta::seconds(settings.access_token_ttl_secs.max(1));
    let (iss, aud) = (&settings.jwt_issuer, &settings.jwt_audience);
    if settings.jwt_algorithm != JwtAlgorithm::Hs256 {
        let (Some(private), Some(public)) = (
            &settings.jwt_private_key_file,
            &settings.jwt_public_key_file,
        ) else {
            return Err(KeyError(
                "RS256 and EdDSA need TANDEM_JWT_PRIVATE_KEY_FILE and TANDEM_JWT_PUBLIC_KEY_FILE"
                    .into(),
            ));
        };
        return JwtKeys::from_pem_files(settings.jwt_algorithm, private, public, iss, aud, ttl);
    }
    if let Some(secret) = &settings.jwt_secret {
        if secret.expose().len() < 32 {
            return Err(KeyError(
                "TANDEM_JWT_SECRET must be at least 32 characters".into(),
            ));
        }
        return Ok(JwtKeys::hs256(secret, iss, aud, ttl));
    }
    if settings.production {
        return Err(KeyError(
            "production mode needs TANDEM_JWT_SECRET (or key files)".into(),
        ));
    }
    let Some(path) = secret_file(database_url) else {
        return Err(KeyError(
            "set TANDEM_JWT_SECRET: only the embedded SQLite default generates its own".into(),
        ));
    };
    let secret = match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => Secret::new(s.trim()),
        _ => {
            let s = tokens::random_alphanumeric(64);
            write_private(&path, &s)
                .map_err(|e| KeyError(format!("cannot write {}: {e}", path.display())))?;
            tracing::warn!(file = %path.display(), "no TANDEM_JWT_SECRET: generated one and kept it beside the database; set TANDEM_JWT_SECRET in production");
            Secret::new(s)
        }
    };
    Ok(JwtKeys::hs256(&secret, iss, aud, ttl))
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(content.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_file_sits_beside_the_sqlite_file() {
        assert_eq!(
            secret_file("sqlite://data/t.db?mode=rwc"),
            Some(PathBuf::from("data/t.db.jwt-secret"))
        );
        assert_eq!(secret_file("sqlite::memory:"), None);
        assert_eq!(secret_file("postgres://u@h/db"), None);
    }

    #[test]
    fn production_mode_refuses_to_start_without_a_secret() {
        let settings = AuthSettings {
            production: true,
            ..AuthSettings::default()
        };
        assert!(load_keys(&settings, "sqlite://x.db").is_err());
    }

    #[test]
    fn short_secrets_are_refused() {
        let settings = AuthSettings {
            jwt_secret: Some(Secret::new("short")),
            ..AuthSettings::default()
        };
        assert!(load_keys(&settings, "sqlite://x.db").is_err());
    }
}
