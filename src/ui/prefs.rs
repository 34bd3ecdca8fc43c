//! What the window remembers between runs: theme, classroom mode, recent
//! files, which panels show and each project's layout. (Panel sizes are
//! remembered by egui.)

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::layout::Layout;
use super::theme::ThemeChoice;

/// Storage key of the preferences.
pub const KEY: &str = "neuroglass-prefs";
/// How many recent files are listed.
pub const RECENT_MAX: usize = 10;
/// How many projects' layouts are remembered (the most recently set).
pub const LAYOUTS_MAX: usize = 100;

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
    /// The layout of each project (by `layout::project_key`), the most
    /// recently set first; a project not listed opens in Build.
    pub layouts: Vec<(String, Layout)>,
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
            layouts: Vec::new(),
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

    /// The layout remembered for the project `key`, else Build.
    pub fn layout(&self, key: &str) -> Layout {
        self.layouts
            .iter()
            .find(|(k, _)| k == key)
            .map_or(Layout::Build, |(_, l)| *l)
    }

    /// Remembers `layout` for the project `key`.
    pub fn set_layout(&mut self, key: &str, layout: Layout) {
        self.layouts.retain(|(k, _)| k != key);
        self.layouts.insert(0, (key.to_string(), layout));
        self.layouts.truncate(LAYOUTS_MAX);
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

    #[test]
    fn layouts_are_remembered_per_project_and_survive_a_round_trip() {
        let mut p = Prefs::default();
        assert_eq!(p.layout("/a.ron"), Layout::Build);
        p.set_layout("/a.ron", Layout::Watch);
        p.set_layout("/b.ron", Layout::Compare);
        p.set_layout("/a.ron", Layout::Compare);
        assert_eq!(p.layout("/a.ron"), Layout::Compare);
        assert_eq!(p.layout("/b.ron"), Layout::Compare);
        assert_eq!(p.layout("/c.ron"), Layout::Build);
        assert_eq!(p.layouts.len(), 2);
        for i in 0..(LAYOUTS_MAX + 5) {
            p.set_layout(&format!("/{i}.ron"), Layout::Watch);
        }
        assert_eq!(p.layouts.len(), LAYOUTS_MAX);
        let text = ron::to_string(&p).unwrap();
        let back: Prefs = ron::from_str(&text).unwrap();
        assert_eq!(back, p);
        // Preferences written before layouts existed still load.
        let old: Prefs = ron::from_str("(classroom: true)").unwrap();
        assert!(old.classroom && old.layouts.is_empty());
    }
}
