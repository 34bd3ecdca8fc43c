//! Files for other tools: the metrics history as CSV ([`metrics`]) and a
//! PyTorch project ([`pytorch`]: model, weights, training script, data and
//! a reference to check equivalence).

pub mod metrics;
pub mod pytorch;
