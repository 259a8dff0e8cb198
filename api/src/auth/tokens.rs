//! Opaque tokens: random, shown once, stored as SHA-256 hashes.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// API tokens start with this, so secret scanners can recognise a leak.
pub const API_TOKEN_PREFIX: &str = "tdm_pat_";
/// Refresh tokens start with this.
pub const REFRESH_TOKEN_PREFIX: &str = "tdm_rt_";
/// How many characters of an API token are kept to show in lists.
pub const DISPLAY_PREFIX_LEN: usize = 12;

/// `len` random characters of `[A-Za-z0-9]` from the OS-seeded CSPRNG.
pub fn random_alphanumeric(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A new API token (about 238 bits of randomness).
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", random_alphanumeric(40))
}

/// A new refresh token.
pub fn new_refresh_token() -> String {
    format!("{REFRESH_TOKEN_PREFIX}{}", random_alphanumeric(48))
}

/// The stored form of a token: hex SHA-256. Tokens carry enough randomness
/// that a fast hash is safe, and it lets us look them up by hash.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_tokens_are_prefixed_random_and_hash_stably() {
        let a = new_api_token();
        let b = new_api_token();
        assert!(a.starts_with(API_TOKEN_PREFIX));
        assert_eq!(a.len(), API_TOKEN_PREFIX.len() + 40);
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&a));
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
    }
}
