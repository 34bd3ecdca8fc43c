//! `label.ron`: what the user says about a run — a name, pinned, hidden.
//!
//! Kept apart from `run.ron`, which the run's writer replaces while the
//! run trains, so renaming a run that is still training never races with
//! it. Written atomically; a missing or damaged file reads as no label
//! (it is never a reason to skip a run).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::RunsError;
use super::files;

/// The sidecar's file name.
pub const LABEL: &str = "label.ron";
/// Largest label file read.
const MAX_LABEL_BYTES: u64 = 64 << 10;
/// Longest name kept, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// A run's name and how the Runs panel shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "label")]
pub struct RunLabel {
    /// The name the user gave it (`None`: shown by its number).
    #[serde(default)]
    pub name: Option<String>,
    /// Kept at the top of the list.
    #[serde(default)]
    pub pinned: bool,
    /// Left out of the list unless hidden runs are shown.
    #[serde(default)]
    pub hidden: bool,
}

impl RunLabel {
    /// The label in run folder `dir`; none when there is no readable one.
    pub fn load(dir: &Path) -> Self {
        files::read_text(&dir.join(LABEL), MAX_LABEL_BYTES)
            .ok()
            .and_then(|t| {
                ron::Options::default()
                    .with_recursion_limit(8)
                    .from_str::<Self>(&t)
                    .ok()
            })
            .map(Self::cleaned)
            .unwrap_or_default()
    }

    /// Writes the label into run folder `dir` (atomically).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, dir: &Path) -> Result<(), RunsError> {
        let clean = self.clone().cleaned();
        let text = ron::ser::to_string_pretty(&clean, ron::ser::PrettyConfig::default())
            .map_err(|e| RunsError::invalid(dir.join(LABEL), e.to_string()))?;
        files::write_replace(&dir.join(LABEL), text.as_bytes())
    }

    /// A name without control characters, trimmed and bounded; an empty
    /// name is no name.
    fn cleaned(mut self) -> Self {
        self.name = self.name.and_then(|n| {
            let n: String = n
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_NAME_CHARS)
                .collect();
            let n = n.trim().to_string();
            (!n.is_empty()).then_some(n)
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_round_trips_and_a_damaged_one_reads_as_none() {
        let dir = std::env::temp_dir().join(format!("ng-label-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(RunLabel::load(&dir), RunLabel::default());
        let l = RunLabel {
            name: Some("  Adam\u{7}, lr 0.01 ".into()),
            pinned: true,
            hidden: false,
        };
        l.save(&dir).unwrap();
        let back = RunLabel::load(&dir);
        assert_eq!(back.name.as_deref(), Some("Adam, lr 0.01"));
        assert!(back.pinned && !back.hidden);
        std::fs::write(dir.join(LABEL), "label(name: 3").unwrap();
        assert_eq!(RunLabel::load(&dir), RunLabel::default());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
