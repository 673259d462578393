//! The runner says what it does while it does it, as `tracing` events inside a `run` span and a
//! `migration` span per step; an application's subscriber gets them in order, with their fields.

use std::sync::{Arc, Mutex};

use capp_schema::Chain;
use capp_schema::runner::{Config, Db, Migrator};
use capp_schema_tests::{Migrations, on_both};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One captured event: its target, message, fields, and the names of the spans around it.
#[derive(Debug, Clone, Default)]
struct Captured {
    target: String,
    message: String,
    fields: Vec<(String, String)>,
    spans: Vec<String>,
}

impl Captured {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Visit for Captured {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields
                .push((field.name().to_owned(), text.trim_matches('"').to_owned()));
        }
    }
}

struct Capture(Arc<Mutex<Vec<Captured>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut captured = Captured {
            target: event.metadata().target().to_owned(),
            ..Captured::default()
        };
        event.record(&mut captured);
        if let Some(scope) = ctx.event_scope(event) {
            captured.spans = scope.from_root().map(|s| s.name().to_owned()).collect();
        }
        self.0.lock().unwrap().push(captured);
    }
}

#[tokio::test]
async fn an_upgrade_says_when_each_migration_starts_and_ends_in_order() {
    on_both(|url| async move {
        let captured = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(captured.clone()));
        let _guard = tracing::subscriber::set_default(subscriber);

        let m = Migrator::new(Migrations::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        m.upgrade(&mut db, "head").await.unwrap();

        let events = captured.lock().unwrap().clone();
        let steps: Vec<&Captured> = events
            .iter()
            .filter(|e| e.target == "capp_schema::migration")
            .collect();
        let said: Vec<&str> = steps.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(said.len(), 6, "{url}: {said:?}");
        for (i, (rev, line)) in [
            ("0001", "upgrade <base> -> 0001"),
            ("0002", "upgrade 0001 -> 0002"),
            ("0003", "upgrade 0002 -> 0003"),
        ]
        .into_iter()
        .enumerate()
        {
            let (start, end) = (steps[2 * i], steps[2 * i + 1]);
            assert!(
                start.message.starts_with(&format!("Running {line}, ")),
                "{url}: {start:?}"
            );
            assert!(
                end.message.starts_with(&format!("Done {line} in ")),
                "{url}: {end:?}"
            );
            for event in [start, end] {
                assert_eq!(event.field("rev"), Some(rev));
                assert_eq!(event.field("direction"), Some("upgrade"));
                assert_eq!(event.spans, ["run", "migration"], "{url}: {event:?}");
            }
            assert!(start.field("migration_message").is_some());
            assert!(
                end.field("duration_ms")
                    .is_some_and(|d| d.parse::<u64>().is_ok())
            );
        }
        // Each statement, at the debug level, before it is sent.
        assert!(events.iter().any(|e| {
            e.target == "capp_schema::sql"
                && e.message
                    .starts_with("ALTER TABLE \"users\" ADD COLUMN \"kyc_verified_at\"")
        }));

        // At head: the fast path says so (at the debug level), and nothing runs.
        captured.lock().unwrap().clear();
        let report = m.upgrade(&mut db, "head").await.unwrap();
        assert!(report.applied.is_empty());
        let events = captured.lock().unwrap().clone();
        assert!(
            events.iter().any(|e| e.target == "capp_schema::run"
                && e.message == "already at 0003: nothing to do (one query, no lock)"),
            "{url}: {events:?}"
        );
        assert!(!events.iter().any(|e| e.target == "capp_schema::migration"));
    })
    .await;
}
