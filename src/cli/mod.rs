//! Headless commands behind `main.rs`: `check`, `train`, `bench`.

pub mod bench;
pub mod check;
pub mod table;
pub mod train;
