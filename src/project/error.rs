//! `ProjectError`: everything that can go wrong reading or writing project files.

use std::path::PathBuf;

/// Why a project, recovery or weights file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The operating system refused a read or write.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than any real project (checked before reading).
    #[error("{}: the file is {bytes} bytes; the limit is {limit} bytes", path.display())]
    TooLarge {
        /// The file involved.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The largest size accepted.
        limit: u64,
    },
    /// The file holds binary data or is not UTF-8.
    #[error("{origin}: not a text file (binary data or invalid UTF-8)")]
    NotText {
        /// Where the text came from (a path or a label).
        origin: String,
    },
    /// The RON is malformed or has the wrong shape; positions are 1-based.
    #[error("{origin}:{line}:{col}: {message}")]
    Syntax {
        /// Where the text came from (a path or a label).
        origin: String,
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        col: usize,
        /// What was expected or found.
        message: String,
    },
    /// The file was written by a newer Neuroglass.
    #[error(
        "{origin}: this file is format version {found}, written by a newer Neuroglass; \
         this version reads up to version {supported}"
    )]
    NewerVersion {
        /// Where the text came from.
        origin: String,
        /// The version in the file.
        found: u32,
        /// The newest version this program reads.
        supported: u32,
    },
    /// The file parses but its content makes no sense (duplicate ids, a wire
    /// to a missing node, NaN positions, absurd sizes…).
    #[error("{origin}: {message}")]
    Invalid {
        /// Where the text came from.
        origin: String,
        /// What is wrong and, where it helps, the limit.
        message: String,
    },
    /// A weights file is damaged or holds something other than f32 tensors.
    #[error("{}: {message}", path.display())]
    Weights {
        /// The file involved.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl ProjectError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(origin: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            origin: origin.to_owned(),
            message: message.into(),
        }
    }
}
