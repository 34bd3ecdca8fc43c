//! Progress through lessons, remembered per user: a small RON file
//! `lessons.ron` in the user's data directory (`$NEUROGLASS_DATA_DIR`, else
//! the platform's), written atomically. A damaged file counts as no
//! progress, never as an error that blocks a lesson.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Largest progress file read.
const MAX_BYTES: u64 = 1 << 20;

/// Where the student got to in each lesson, keyed by the lesson's title.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Progress {
    /// Per lesson: the step reached (from 0) and the steps whose goals were
    /// all met.
    pub lessons: BTreeMap<String, LessonProgress>,
}

/// Progress in one lesson.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LessonProgress {
    /// The step the student was on (from 0).
    pub step: usize,
    /// Steps whose goals were all met (from 0).
    pub done: Vec<usize>,
}

/// The progress file's path, if the user has a data directory.
pub fn path() -> Option<PathBuf> {
    crate::project::paths::data_dir().map(|d| d.join("lessons.ron"))
}

impl Progress {
    /// Reads the progress file; nothing (or damage) is no progress.
    pub fn load() -> Self {
        path()
            .and_then(|p| crate::project::load::read_text_bounded(&p, MAX_BYTES).ok())
            .and_then(|t| ron::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Writes the progress file atomically.
    ///
    /// # Errors
    /// There is no data directory, or it cannot be written.
    pub fn save(&self) -> Result<(), String> {
        let p = path().ok_or("there is no user data directory to remember lesson progress in")?;
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let text = ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .map_err(|e| e.to_string())?;
        crate::project::write_atomic(&p, text.as_bytes()).map_err(|e| e.to_string())
    }

    /// Records being on `step` of `lesson`, and whether its goals are met.
    pub fn record(&mut self, lesson: &str, step: usize, met: bool) {
        let l = self.lessons.entry(lesson.to_owned()).or_default();
        l.step = step;
        if met && !l.done.contains(&step) {
            l.done.push(step);
            l.done.sort_unstable();
        }
    }
}
