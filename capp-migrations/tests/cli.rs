//! Drives the real `capp-migrate` binary.

use std::process::{Command, Output};

fn capp_migrate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capp-migrate"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn history_lists_newest_first_in_alembic_form() {
    let out = capp_migrate(&["history"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"0001 -> 0002, add kyc_verified_at timestamp to users (head)")
    );
    assert_eq!(lines.last(), Some(&"<base> -> 0001, initial schema"));
}

#[test]
fn heads_names_the_head() {
    let out = capp_migrate(&["heads"]);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("0001 -> 0002,"));
}

#[test]
fn show_prints_both_directions() {
    let out = capp_migrate(&["show", "0002"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("Parent: 0001"));
    assert!(text.contains("Upgrade operations:") && text.contains("Downgrade operations:"));
    assert!(text.contains("kyc_verified_at"));
}

#[test]
fn unknown_revision_is_one_error_line_and_a_failure_exit() {
    let out = capp_migrate(&["show", "0009"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: can't locate revision identified by '0009'; known revisions are 0001, 0002\n"
    );
}
