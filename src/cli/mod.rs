//! Headless commands behind `main.rs`: `check`, `train`, `export`, `bench`,
//! `runs`, `eval`.

pub mod bench;
pub mod ceiling;
pub mod check;
pub mod eval;
pub mod export;
pub mod out;
pub mod profile;
pub mod runs;
pub mod scale;
pub mod table;
pub mod train;
