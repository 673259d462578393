//! How the command line shows the library's `tracing` events while a command runs: one line on
//! stderr per event (stdout stays the commands' output). An application that embeds the command
//! line and has its own subscriber keeps it.

use std::fmt::Debug;
use std::io::Write;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Installs the stderr rendering, unless the process already has a subscriber.
pub(crate) fn install() {
    let subscriber = tracing_subscriber::registry().with(Stderr);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The library's events at `INFO` and above (not its drivers'), each its message on one line.
struct Stderr;

impl<S: Subscriber> Layer<S> for Stderr {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let metadata = event.metadata();
        if *metadata.level() > Level::INFO || !metadata.target().starts_with("capp_schema") {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        // A closed stderr is not worth failing a migration for.
        let _ = writeln!(std::io::stderr().lock(), "{}", message.0);
    }
}

/// The `message` field of an event.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}
