//! Training on a background thread: the command and event protocol, the
//! loop, and the metrics history the views plot.

pub mod history;
pub mod snapshot;

pub use history::{EpochMetrics, History, StepPoint};
