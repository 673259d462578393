//! Every compile-time error of `#[migration]` and `#[downgrade]` has a case in `ui/` with the
//! reviewed compiler output beside it. Refresh with `TRYBUILD=overwrite` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
