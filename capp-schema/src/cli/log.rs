//! How the command line shows the library's `tracing` events while a command runs, on stderr
//! (stdout stays the commands' output): one line per event for people, or one JSON object per
//! event for log shippers. On a terminal, a migration that runs for more than two seconds gets a
//! spinner with its elapsed time under its `Running ...` line. An application that embeds the
//! command line and has its own subscriber keeps it.

use std::fmt::Debug;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use super::LogFormat;

/// How long a migration runs before its spinner shows.
const SPINNER_AFTER: Duration = Duration::from_secs(2);

/// Installs the rendering, unless the process already has a subscriber. The level: `-q` warnings,
/// by default each migration, `-v` each statement, `-vv` everything; `RUST_LOG` (as
/// `capp_schema=debug,sqlx=warn`) overrides it.
pub(crate) fn install(verbose: u8, quiet: bool, format: LogFormat) {
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::WARN,
        (false, 0) => LevelFilter::INFO,
        (false, 1) => LevelFilter::DEBUG,
        (false, _) => LevelFilter::TRACE,
    };
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|spec| spec.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_target("capp_schema", level));
    let spinner = format == LogFormat::Plain && std::io::stderr().is_terminal();
    let layer = Stderr {
        format,
        spinner: spinner.then(|| Mutex::new(None)),
    };
    let subscriber = tracing_subscriber::registry().with(layer.with_filter(filter));
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The rendering layer.
struct Stderr {
    format: LogFormat,
    /// On a terminal: the spinner of the migration running now.
    spinner: Option<Mutex<Option<ProgressBar>>>,
}

/// The fields of a span, kept for the JSON lines of the events inside it.
struct SpanFields(Map<String, Value>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Stderr {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if self.format != LogFormat::Json {
            return;
        }
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields.map));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let metadata = event.metadata();
        let line = match self.format {
            LogFormat::Plain => fields.message.clone(),
            LogFormat::Json => {
                let mut object = Map::new();
                let millis = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_millis();
                object.insert("time_unix_ms".into(), Value::from(millis as u64));
                object.insert("level".into(), Value::from(metadata.level().as_str()));
                object.insert("target".into(), Value::from(metadata.target()));
                // The run's and the migration's fields, then the event's own.
                if let Some(scope) = ctx.event_scope(event) {
                    for span in scope.from_root() {
                        if let Some(SpanFields(span_fields)) = span.extensions().get::<SpanFields>()
                        {
                            for (key, value) in span_fields {
                                object.insert(key.clone(), value.clone());
                            }
                        }
                    }
                }
                object.extend(fields.map.clone());
                object.insert("message".into(), Value::from(fields.message.clone()));
                Value::Object(object).to_string()
            }
        };
        self.write(metadata, &fields, &line);
    }
}

impl Stderr {
    /// Writes `line`, above the spinner if one shows; starts a spinner under a migration's
    /// `Running ...` line and ends it with the migration.
    fn write(&self, metadata: &tracing::Metadata<'_>, fields: &Fields, line: &str) {
        let print = || {
            // A closed stderr is not worth failing a migration for.
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        };
        let Some(spinner) = &self.spinner else {
            print();
            return;
        };
        let Ok(mut current) = spinner.lock() else {
            print();
            return;
        };
        let migration =
            metadata.target() == "capp_schema::migration" && *metadata.level() == Level::INFO;
        if migration && let Some(done) = current.take() {
            done.finish_and_clear();
        }
        match current.as_ref() {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
        if migration && fields.message.starts_with("Running ") {
            *current = Some(start_spinner());
        }
    }
}

/// A spinner with the elapsed time, drawn only once the migration has run for
/// [`SPINNER_AFTER`].
fn start_spinner() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("    {spinner} running for {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let shown = bar.clone();
    std::thread::spawn(move || {
        std::thread::sleep(SPINNER_AFTER);
        if !shown.is_finished() {
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(Duration::from_millis(200));
        }
    });
    bar
}

/// An event's or span's fields: the message, and the others as JSON values.
#[derive(Default)]
struct Fields {
    message: String,
    map: Map<String, Value>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.map.insert(field.name().into(), Value::from(value));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.map.insert(field.name().into(), Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.map.insert(field.name().into(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.map.insert(field.name().into(), Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.map.insert(field.name().into(), Value::from(text));
        }
    }
}
