//! Structured logging. Every line written while a request is handled carries
//! that request's id, because the HTTP layer opens a span holding it: text
//! lines print the span (`request{request_id=...}:...`), JSON lines have
//! `request_id` at the top level, whatever span is innermost. Work spawned
//! for a request (data-loader batches) runs in the request's span.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer, fmt as tfmt, prelude::*};

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
            .with(SpanFields)
            .with(
                tfmt::layer()
                    .event_format(JsonLine)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(tfmt::layer().with_ansi(ansi).with_writer(std::io::stderr))
            .try_init(),
    };
    // A second initialisation (tests, embedding) keeps the first subscriber.
    let _ = result;
}

/// A span's fields as JSON, kept in the span's extensions by [`SpanFields`].
struct Fields(serde_json::Map<String, serde_json::Value>);

/// Records every span's fields (at creation and when recorded later), so
/// that a JSON line can carry the fields of all the spans it is written in.
struct SpanFields;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for SpanFields {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = serde_json::Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        span.extensions_mut().insert(Fields(fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(Fields(fields)) = ext.get_mut::<Fields>() {
            values.record(&mut JsonVisitor(fields));
        }
    }
}

/// Collects fields as JSON values.
struct JsonVisitor<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl Visit for JsonVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), format!("{value:?}").into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
}

/// One JSON object per line: `timestamp`, `level`, `target`, `fields` (the
/// event's, `message` among them), `request_id` when written while a request
/// is handled, and `span`: the fields of every enclosing span, the
/// innermost winning, with the innermost span's `name`.
struct JsonLine;

impl<S, N> FormatEvent<S, N> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = serde_json::Map::new();
        line.insert(
            "timestamp".into(),
            chrono::Utc::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .into(),
        );
        line.insert("level".into(), meta.level().as_str().into());
        line.insert("target".into(), meta.target().into());
        let mut fields = serde_json::Map::new();
        event.record(&mut JsonVisitor(&mut fields));
        line.insert("fields".into(), fields.into());
        let mut span_fields = serde_json::Map::new();
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                if let Some(Fields(fields)) = span.extensions().get::<Fields>() {
                    for (k, v) in fields {
                        span_fields.insert(k.clone(), v.clone());
                    }
                }
                span_fields.insert("name".into(), span.name().into());
            }
        }
        if let Some(id) = span_fields.get("request_id").cloned() {
            line.insert("request_id".into(), id);
        }
        if !span_fields.is_empty() {
            line.insert("span".into(), span_fields.into());
        }
        writeln!(writer, "{}", serde_json::Value::Object(line))
    }
}
