//! Neuroglass: build neural networks with the mouse and watch them learn.
//!
//! See `ARCHITECTURE.md` for the map: data flows
//! `project → model → engine`, and the `trainer` thread streams events to
//! the `ui`.

#![warn(missing_docs)]

pub mod cli;
pub mod data;
pub mod engine;
pub mod export;
pub mod lesson;
pub mod model;
pub mod numfmt;
pub mod onnx;
pub mod project;
pub mod runs;
pub mod surgery;
pub mod trace;
pub mod trainer;
pub mod ui;
