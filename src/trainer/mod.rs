//! Training on a background thread: the command and event protocol, the
//! loop, and the metrics history the views plot.
//!
//! The thread owns its [`Session`] (network, optimizer, data); watchers see
//! only events. Channels are bounded; progress is coalesced to about 60
//! events a second; epoch and terminal events are never dropped and never
//! block training (they wait in the trainer's outbox if the channel is full).

mod diverge;
pub mod error;
pub mod handle;
pub mod history;
mod live;
pub mod live_edit;
pub mod outbox;
pub mod profile;
pub mod protocol;
pub mod record;
pub mod replay;
pub mod session;
pub mod snapshot;
pub mod train_data;
pub mod views;
pub mod worker;

pub use error::SessionError;
pub use handle::{SendError, Trainer};
pub use history::{EpochMetrics, History, StepPoint};
pub use protocol::{FinishReason, Progress, TrainerCommand, TrainerEvent};
pub use session::{EditOutcome, Labels, Session, TrainData};
pub use snapshot::Snapshot;
