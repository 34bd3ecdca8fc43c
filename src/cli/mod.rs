//! Headless commands behind `main.rs`: `check`, `train`, `export`, `bench`,
//! `runs`, `eval`, `edit`, `predict`, `import`, `trace`, `lesson`, `data`.

pub mod args;
pub mod bench;
pub mod ceiling;
pub mod check;
pub mod data;
pub mod edit;
pub mod eval;
pub mod export;
pub mod import;
pub mod lesson;
pub mod onnx;
pub mod out;
pub mod predict;
pub mod profile;
pub mod runs;
pub mod scale;
pub mod table;
pub mod trace;
pub mod train;
pub mod train_weights;
