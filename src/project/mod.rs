//! The project file: versioned RON of its own types (`format`), checked
//! loading (`load`), atomic saving (`save`), the recovery file and the
//! weights file. Only this module knows RON.

pub mod convert;
pub mod error;
pub mod format;
pub mod load;
pub mod save;
pub mod weights;

pub use error::ProjectError;
pub use load::{load, parse};
pub use save::{save, to_string, write_atomic};
