//! Structured logging. Every line written while a request is handled carries
//! that request's id, because the HTTP layer opens a span holding it.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// When text logs are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    /// Only when stderr is a terminal (never into a file or a pipe).
    Auto,
    /// Always, even into a file.
    Always,
    /// Never.
    Never,
}

impl Color {
    /// Whether to colour, given whether stderr is a terminal.
    pub fn applies(self, terminal: bool) -> bool {
        match self {
            Color::Auto => terminal,
            Color::Always => true,
            Color::Never => false,
        }
    }
}

/// Installs the global subscriber. `level` is an `EnvFilter` directive such as
/// `info` or `tandem=debug,sqlx=warn`.
pub fn init(level: &str, format: LogFormat, color: Color) {
    use std::io::IsTerminal;
    let ansi = color.applies(std::io::stderr().is_terminal());
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(fmt::layer().with_ansi(ansi).with_writer(std::io::stderr))
            .try_init(),
    };
    // A second initialisation (tests, embedding) keeps the first subscriber.
    let _ = result;
}
