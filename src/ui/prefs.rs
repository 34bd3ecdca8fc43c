//! What the window remembers between runs: theme, classroom mode, recent
//! files and which panels show. (Panel sizes are remembered by egui.)

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::theme::ThemeChoice;

/// Storage key of the preferences.
pub const KEY: &str = "neuroglass-prefs";
/// How many recent files are listed.
pub const RECENT_MAX: usize = 10;

/// Remembered settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// Light or dark.
    pub theme: ThemeChoice,
    /// Large fonts and thick lines.
    pub classroom: bool,
    /// Recently opened or saved projects, newest first.
    pub recent: Vec<PathBuf>,
    /// The palette on the left.
    pub show_palette: bool,
    /// The inspector and training panel on the right.
    pub show_side: bool,
    /// The live views under the canvas.
    pub show_views: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            theme: ThemeChoice::Dark,
            classroom: false,
            recent: Vec::new(),
            show_palette: true,
            show_side: true,
            show_views: true,
        }
    }
}

impl Prefs {
    /// Puts `path` first in the recent list.
    pub fn remember(&mut self, path: &Path) {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT_MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_keeps_ten_newest_first_without_repeats() {
        let mut p = Prefs::default();
        for i in 0..12 {
            p.remember(Path::new(&format!("/nonexistent/{i}.ron")));
        }
        p.remember(Path::new("/nonexistent/5.ron"));
        assert_eq!(p.recent.len(), RECENT_MAX);
        assert_eq!(p.recent[0], PathBuf::from("/nonexistent/5.ron"));
        assert_eq!(p.recent.iter().filter(|r| r.ends_with("5.ron")).count(), 1);
    }
}
