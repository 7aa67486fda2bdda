//! okra: a static site generator for public OKR reporting.
//!
//! The build is a pipeline, one module per stage:
//! [`content`] (load) → [`validate`] → [`score`] → render → write,
//! driven by [`site`] and the command line in [`cli`].

pub mod cli;
pub mod config;
pub mod diag;
pub mod import;
pub mod load;
pub mod period;
pub mod pipeline;
pub mod render;
pub mod scaffold;
pub mod score;
pub mod serve;
pub mod source;
pub mod validate;
pub mod write;
