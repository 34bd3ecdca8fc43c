//! `ProjectError`: everything that can go wrong reading or writing files.

use std::path::PathBuf;

/// Why a project, weights or recovery file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The file system refused.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Larger than any real project; refused before reading.
    #[error("{}: the file is {bytes} bytes; a project file is at most {limit} bytes — is this the right file?", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// Not UTF-8 text.
    #[error(
        "{origin}: this is not a text file (byte {offset} is not UTF-8) — a project file is RON text"
    )]
    NotText {
        /// File name or other origin.
        origin: String,
        /// First bad byte.
        offset: usize,
    },
    /// RON syntax or a value of the wrong type.
    #[error("{origin}:{line}:{col}: {message}")]
    Syntax {
        /// File name or other origin.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What was expected.
        message: String,
    },
    /// Written by a newer Neuroglass.
    #[error(
        "{origin}: this project is format version {found}, made by a newer Neuroglass; this one reads versions up to {supported} — please update Neuroglass"
    )]
    NewerVersion {
        /// File name or other origin.
        origin: String,
        /// The file's version.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// Well-formed, but its content makes no sense.
    #[error("{origin}: {message}")]
    Invalid {
        /// File name or other origin.
        origin: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// Could not be turned into text (a bug; never input).
    #[error("could not write the project: {0}")]
    Serialize(String),
}
