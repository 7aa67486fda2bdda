//! The integration suite: one test binary (as mdBook's `tests/testsuite/`), so
//! the binary under test is linked once and `cargo test` runs one process for
//! all of it. Each module was its own binary before; its tests keep their names,
//! prefixed by the module (`cargo test --test testsuite check::`).
//!
//! Every module runs the real `okra` binary through [`common::okra`]; fixtures
//! live beside the tests in `fixtures/`. The browser tests are a second binary,
//! `tests/browser/`, since they need Chromium.

mod common;

mod adversarial;
mod authoring;
mod build;
mod charts;
mod check;
mod history;
mod import;
mod invariants;
mod properties;
mod robustness;
mod search;
mod serve;
