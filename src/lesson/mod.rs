//! Lessons: short guided exercises whose goals the program checks itself.
//!
//! A lesson file ([`format`]) is versioned RON read through the same
//! guards as a project ([`load`]). Each step has text ([`text`]), a start
//! project, locked controls, goals ([`goal`]: one pure function of the
//! project, its analysis and the step's runs, shared by the window and
//! `lesson verify`), hints and a solution ([`edit`]) that [`verify`]
//! applies and trains headlessly ([`train`]).

pub mod edit;
pub mod format;
pub mod goal;
pub mod load;
pub mod progress;
pub mod text;
pub mod train;
pub mod verify;

use std::path::{Path, PathBuf};

pub use format::{Concept, Control, LESSON_VERSION, LessonFile, Start, Step};
pub use goal::{Facts, Goal, RunSummary};
pub use load::{load, parse};

/// Why a lesson file was refused.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    /// Reading, size, text, nesting, syntax or version (as for projects).
    #[error(transparent)]
    File(#[from] crate::project::ProjectError),
    /// The lesson parses but names something unknown or out of range.
    #[error("{origin}: {message}")]
    Invalid {
        /// The file or label.
        origin: String,
        /// What is wrong and what to write instead.
        message: String,
    },
}

/// The candidates for a bundled folder `name` (`projects`, `lessons`):
/// the source tree the program was built from, beside the executable, or
/// two levels up from `target/<profile>/`.
fn bundled_dir(name: &str) -> Option<PathBuf> {
    let mut candidates = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join(name)];
    if let Ok(exe) = std::env::current_exe()
        && let Some(exe_dir) = exe.parent()
    {
        candidates.push(exe_dir.join(name));
        if let Some(up) = exe_dir.parent().and_then(Path::parent) {
            candidates.push(up.join(name));
        }
    }
    candidates.into_iter().find(|c| c.is_dir())
}

/// The program's bundled examples folder, `projects/`.
pub fn examples_dir() -> Option<PathBuf> {
    bundled_dir("projects")
}

/// The program's bundled lessons folder, `lessons/`.
pub fn lessons_dir() -> Option<PathBuf> {
    bundled_dir("lessons")
}

/// The bundled lessons' files, sorted by name.
pub fn bundled_lessons() -> Vec<PathBuf> {
    let Some(dir) = lessons_dir() else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "ron"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}
