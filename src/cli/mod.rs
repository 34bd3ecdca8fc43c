//! Headless commands behind `main.rs`: `check`, `train`, `export`, `bench`,
//! `runs`, `eval`, `trace`.

pub mod bench;
pub mod check;
pub mod eval;
pub mod export;
pub mod out;
pub mod runs;
pub mod table;
pub mod trace;
pub mod train;
