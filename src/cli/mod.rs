//! Headless commands behind `main.rs`: `check`, `train`, `export`, `bench`.

pub mod bench;
pub mod check;
pub mod export;
pub mod out;
pub mod table;
pub mod train;
