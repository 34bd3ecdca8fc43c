//! The project file: versioned RON with migrations, atomic save, the
//! autosave recovery file and the trained-weights file.
//!
//! The file format has its own serializable types ([`format`], [`layers`],
//! [`settings`]); the model's
//! types are converted to and from them, so nothing of the UI or of the
//! in-memory graph leaks into files. Every way of reading a file is
//! bounded: sizes are checked before reading, nesting depth before parsing,
//! and values before building anything from them.

pub mod error;
pub mod format;
pub mod fragment;
pub mod layers;
pub mod load;
pub mod paths;
pub mod recovery;
pub mod save;
pub mod settings;
pub mod validate;
pub mod weights;

pub use error::ProjectError;
pub use format::{CURRENT_VERSION, EdgeFile, GraphFile, NodeFile, ProjectFileV1};
pub use fragment::{fragment_from_text, fragment_to_text};
pub use load::{MAX_FILE_BYTES, MAX_NESTING, load, parse};
pub use recovery::{discard_recovery, find_recovery, recovery_path, write_recovery};
pub use save::{save, to_string, write_atomic};
pub use weights::{NamedTensor, load_weights, save_weights, weights_path_for};
