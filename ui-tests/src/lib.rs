//! The compile-fail and compile-pass cases live in `tests/ui/`; `tests/ui.rs` drives them.
