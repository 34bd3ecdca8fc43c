//! Exports: the metrics history as CSV (PyTorch export comes later).

pub mod metrics;
