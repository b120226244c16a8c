//! Compile-time behaviour of `network!`: every shape mistake a user can make is a
//! compile error in their terms (tests/ui/*.rs, with reviewed .stderr files), and
//! valid networks compile (tests/ui/pass/*.rs).
//!
//! After changing a message: `TRYBUILD=overwrite cargo test --release --test ui`,
//! then read the `git diff` of tests/ui/*.stderr before committing.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
