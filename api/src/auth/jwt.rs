//! Access tokens: short-lived JWTs. Validation pins the algorithm and
//! requires `exp`, `nbf`, `iss`, `aud` and `sub`.

use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Secret;

/// Seconds of clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 30;

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    #[serde(default)]
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    #[serde(default)]
    pub jti: String,
    /// The session (the refresh-token family of the sign-in) the token
    /// belongs to; a token whose session has ended is refused.
    #[serde(default)]
    pub sid: Option<String>,
}

/// What a valid access token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub user_id: Uuid,
    pub session_id: Uuid,
}

/// Signing and verification keys with the validation rules.
pub struct JwtKeys {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: TimeDelta,
}

/// Why keys could not be loaded.
#[derive(Debug)]
pub struct KeyError(pub String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

/// The signing algorithms Tandem accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with a shared secret (the default).
    #[value(name = "HS256")]
    Hs256,
    /// RSA-SHA256 with a PEM key pair.
    #[value(name = "RS256")]
    Rs256,
    /// Ed25519 with a PEM key pair.
    #[value(name = "EdDSA")]
    EdDsa,
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path)
        .map_err(|e| KeyError(format!("cannot read key file {}: {e}", path.display())))
}

impl JwtKeys {
    fn with(
        algorithm: Algorithm,
        encoding: EncodingKey,
        decoding: DecodingKey,
        issuer: &str,
        audience: &str,
        ttl: TimeDelta,
    ) -> Self {
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.leeway = LEEWAY_SECS;
        Self {
            algorithm,
            encoding,
            decoding,
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        }
    }

    /// HS256 keys from a shared secret.
    pub fn hs256(secret: &Secret, issuer: &str, audience: &str, ttl: TimeDelta) -> Self {
        let bytes = secret.expose().as_bytes();
        Self::with(
            Algorithm::HS256,
            EncodingKey::from_secret(bytes),
            DecodingKey::from_secret(bytes),
            issuer,
            audience,
            ttl,
        )
    }

    /// RS256 or EdDSA keys from PEM files.
    pub fn from_pem_files(
        algorithm: JwtAlgorithm,
        private_key: &Path,
        public_key: &Path,
        issuer: &str,
        audience: &str,
        ttl: TimeDelta,
    ) -> Result<Self, KeyError> {
        let (private, public) = (read(private_key)?, read(public_key)?);
        let bad = |e: jsonwebtoken::errors::Error| KeyError(format!("invalid key: {e}"));
        let (alg, enc, dec) = match algorithm {
            JwtAlgorithm::Rs256 => (
                Algorithm::RS256,
                EncodingKey::from_rsa_pem(&private).map_err(bad)?,
                DecodingKey::from_rsa_pem(&public).map_err(bad)?,
            ),
            JwtAlgorithm::EdDsa => (
                Algorithm::EdDSA,
                EncodingKey::from_ed_pem(&private).map_err(bad)?,
                DecodingKey::from_ed_pem(&public).map_err(bad)?,
            ),
            JwtAlgorithm::Hs256 => {
                return Err(KeyError("HS256 uses a secret, not key files".into()));
            }
        };
        Ok(Self::with(alg, enc, dec, issuer, audience, ttl))
    }

    /// A signed access token for `user_id` in `session` and when it
    /// expires.
    pub fn issue(&self, user_id: Uuid, session: Uuid) -> Result<(String, DateTime<Utc>), KeyError> {
        let now = Utc::now();
        let expires = now + self.ttl;
        let claims = Claims {
            sub: user_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires.timestamp(),
            jti: Uuid::now_v7().to_string(),
            sid: Some(session.to_string()),
        };
        let token = encode(&Header::new(self.algorithm), &claims, &self.encoding)
            .map_err(|e| KeyError(format!("cannot sign a token: {e}")))?;
        Ok((token, expires))
    }

    /// The user and session of a valid token; `None` for anything else (bad
    /// signature, other algorithm, expired, not yet valid, wrong issuer or
    /// audience, missing claims, no session, or a lifetime longer than this
    /// server issues: a token that expires later than a fresh one would is
    /// not one of ours).
    pub fn verify(&self, token: &str) -> Option<Verified> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let latest = Utc::now().timestamp() + self.ttl.num_seconds() + LEEWAY_SECS as i64;
        if data.claims.exp > latest {
            return None;
        }
        Some(Verified {
            user_id: Uuid::parse_str(&data.claims.sub).ok()?,
            session_id: Uuid::parse_str(data.claims.sid.as_deref()?).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::hs256(
            &Secret::new("a-test-secret-of-some-length"),
            "tandem",
            "tandem-api",
            TimeDelta::minutes(15),
        )
    }

    #[test]
    fn an_issued_token_verifies_to_its_user_and_session() {
        let (id, session) = (Uuid::now_v7(), Uuid::now_v7());
        let (token, expires) = keys().issue(id, session).unwrap();
        assert_eq!(
            keys().verify(&token),
            Some(Verified {
                user_id: id,
                session_id: session
            })
        );
        assert!(expires > Utc::now() + TimeDelta::minutes(14));
    }

    #[test]
    fn a_token_for_another_audience_is_refused() {
        let other = JwtKeys::hs256(
            &Secret::new("a-test-secret-of-some-length"),
            "tandem",
            "elsewhere",
            TimeDelta::minutes(15),
        );
        let (token, _) = other.issue(Uuid::now_v7(), Uuid::now_v7()).unwrap();
        assert_eq!(keys().verify(&token), None);
    }

    #[test]
    fn a_token_living_longer_than_the_server_issues_is_refused() {
        let long = JwtKeys::hs256(
            &Secret::new("a-test-secret-of-some-length"),
            "tandem",
            "tandem-api",
            TimeDelta::days(365),
        );
        let (token, _) = long.issue(Uuid::now_v7(), Uuid::now_v7()).unwrap();
        assert_eq!(keys().verify(&token), None);
    }
}
