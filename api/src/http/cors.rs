//! Cross-origin requests from browser apps on other origins (a client
//! portal at `http://localhost:5173`, say): an allow-list of origins from
//! `TANDEM_CORS_ORIGINS`, none by default. Tokens travel in the
//! `Authorization` header, never in cookies, so no origin needs
//! credentials; `TANDEM_CORS_CREDENTIALS` turns them on for exact origins
//! only (`*` with credentials is refused at start).

use std::fmt;
use std::str::FromStr;

use actix_cors::Cors;
use actix_web::http::{Method, header};

/// One allowed origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigin {
    /// `*`: any origin.
    Any,
    /// An exact origin, `scheme://host[:port]`, lower case.
    Exact(String),
}

impl fmt::Display for CorsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsOrigin::Any => f.write_str("*"),
            CorsOrigin::Exact(o) => f.write_str(o),
        }
    }
}

impl FromStr for CorsOrigin {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text == "*" {
            return Ok(CorsOrigin::Any);
        }
        let bad = || {
            format!(
                "`{text}` is not an origin: give scheme://host[:port] (http or https, no path), or *"
            )
        };
        let lower = text.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .ok_or_else(bad)?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
            _ => (rest, None),
        };
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
        let port_ok = port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok());
        if !host_ok || !port_ok {
            return Err(bad());
        }
        Ok(CorsOrigin::Exact(lower))
    }
}

/// The CORS settings of a server.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CorsSettings {
    /// Origins allowed to call the API from a browser, comma-separated
    /// (`https://portal.example,http://localhost:5173`), or `*`; none by
    /// default.
    #[arg(
        long = "cors-origins",
        env = "TANDEM_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub origins: Vec<CorsOrigin>,
    /// Let the allowed origins send credentials (cookies); Tandem needs
    /// none, and `*` cannot have them.
    #[arg(long = "cors-credentials", env = "TANDEM_CORS_CREDENTIALS")]
    pub credentials: bool,
}

impl CorsSettings {
    /// Refuses `*` together with credentials.
    pub fn check(&self) -> Result<(), String> {
        if self.credentials && self.origins.contains(&CorsOrigin::Any) {
            return Err(
                "TANDEM_CORS_ORIGINS=* cannot go with TANDEM_CORS_CREDENTIALS: name the origins"
                    .into(),
            );
        }
        Ok(())
    }

    /// Whether any origin is allowed at all.
    pub fn enabled(&self) -> bool {
        !self.origins.is_empty()
    }

    /// The middleware: preflights (OPTIONS) answered for every route, the
    /// methods the API serves (GET, POST), the headers a client sends
    /// (`Authorization`, `Content-Type`, `Accept`, `X-Request-Id`) and the
    /// ones it may read (`X-Request-Id`, `Retry-After`), cached by browsers
    /// for ten minutes.
    pub fn middleware(&self) -> Cors {
        let mut cors = Cors::default()
            .allowed_methods([Method::GET, Method::POST])
            .allowed_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                header::HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([
                header::HeaderName::from_static("x-request-id"),
                header::RETRY_AFTER,
            ])
            .max_age(600);
        for origin in &self.origins {
            cors = match origin {
                CorsOrigin::Any => cors.allow_any_origin(),
                CorsOrigin::Exact(o) => cors.allowed_origin(o),
            };
        }
        if self.credentials {
            cors = cors.supports_credentials();
        }
        cors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact_scheme_host_and_port_or_a_star() {
        assert_eq!(
            "http://localhost:5173".parse(),
            Ok(CorsOrigin::Exact("http://localhost:5173".into()))
        );
        assert_eq!(
            "HTTPS://Portal.Example".parse(),
            Ok(CorsOrigin::Exact("https://portal.example".into()))
        );
        assert_eq!("*".parse(), Ok(CorsOrigin::Any));
        for bad in [
            "localhost:5173",
            "ftp://x.example",
            "https://x.example/path",
            "https://",
            "https://x.example:99999",
            "https://x.example:",
            "https://x .example",
        ] {
            assert!(bad.parse::<CorsOrigin>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_star_with_credentials_is_refused() {
        let s = CorsSettings {
            origins: vec![CorsOrigin::Any],
            credentials: true,
        };
        assert!(s.check().is_err());
        let s = CorsSettings {
            origins: vec!["https://a.example".parse().unwrap()],
            credentials: true,
        };
        assert!(s.check().is_ok());
    }
}
