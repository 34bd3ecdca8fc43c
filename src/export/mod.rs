//! Files for other tools: the metrics history as CSV ([`metrics`]), the
//! data set as CSV ([`data_csv`]) and a
//! PyTorch project ([`pytorch`]: model, weights, training script, data and
//! a reference to check equivalence).

pub mod data_csv;
pub mod metrics;
pub mod pytorch;
