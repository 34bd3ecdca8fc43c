//! The window's layouts for teaching: *Build* (the canvas large, the live
//! views in a strip under it), *Watch* (the chosen view large, the canvas
//! small beside it) and *Compare* (two runs' views side by side). One key
//! (F8) and View ▸ Layout switch them; the choice is remembered per
//! project in the preferences. `app/frame.rs` draws them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::views::ViewState;

/// How the window is arranged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layout {
    /// Palette, a large canvas, the side panel; the live views in a strip
    /// under the canvas.
    #[default]
    Build,
    /// The chosen view over most of the window; the canvas and the
    /// training controls in a column beside it.
    Watch,
    /// The live run's views beside a recorded run's (the timeline), the
    /// canvas column beside them.
    Compare,
}

/// Every layout, in the order the key cycles through them, with its name
/// on the command line and in the View menu.
pub const LAYOUTS: [(Layout, &str, &str); 3] = [
    (Layout::Build, "build", "Build: canvas large"),
    (Layout::Watch, "watch", "Watch: the view large"),
    (Layout::Compare, "compare", "Compare: two runs side by side"),
];

impl Layout {
    /// The layout named `name` on the command line (`build`, `watch`,
    /// `compare`, any case).
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.trim().to_lowercase();
        LAYOUTS.iter().find(|(_, s, _)| *s == n).map(|(l, _, _)| *l)
    }

    /// Its command-line name.
    pub fn name(self) -> &'static str {
        LAYOUTS
            .iter()
            .find(|(l, _, _)| *l == self)
            .map_or("build", |(_, s, _)| s)
    }

    /// Its label in the View menu.
    pub fn label(self) -> &'static str {
        LAYOUTS
            .iter()
            .find(|(l, _, _)| *l == self)
            .map_or("Build", |(_, _, s)| s)
    }

    /// The layout the key switches to next.
    pub fn next(self) -> Self {
        match self {
            Self::Build => Self::Watch,
            Self::Watch => Self::Compare,
            Self::Compare => Self::Build,
        }
    }
}

/// The key a project's layout is remembered under: its file, or for a
/// project without one (a bundled example, an untitled project) its name.
pub fn project_key(path: Option<&Path>, name: &str) -> String {
    match path {
        Some(p) => p
            .canonicalize()
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string(),
        None => format!("untitled: {name}"),
    }
}

/// What the layouts keep between frames.
#[derive(Default)]
pub struct LayoutState {
    /// The Compare layout's second column: its own tab, plots and
    /// textures, so the two runs' pictures never evict each other.
    pub compare_views: ViewState,
    /// Where the Compare layout's second column was drawn (points).
    pub compare_rect: Option<egui::Rect>,
    /// The Compare layout was just chosen: open the newest recorded run
    /// on its second column once the list of runs is there.
    pub pick_newest: bool,
    /// The open project's file and name, and its [`project_key`] (which
    /// reads the file system, so it is worked out once per project).
    key: Option<(Option<PathBuf>, String, String)>,
}

impl LayoutState {
    /// Works out the open project's key when the project changed.
    pub fn follow(&mut self, path: Option<&Path>, name: &str) {
        if !self.is_for(path, name) {
            self.key = Some((
                path.map(Path::to_path_buf),
                name.to_string(),
                project_key(path, name),
            ));
        }
    }

    /// The key of the project with `path` and `name`.
    pub fn key_of(&self, path: Option<&Path>, name: &str) -> String {
        match &self.key {
            Some((_, _, k)) if self.is_for(path, name) => k.clone(),
            _ => project_key(path, name),
        }
    }

    fn is_for(&self, path: Option<&Path>, name: &str) -> bool {
        matches!(&self.key, Some((p, n, _)) if p.as_deref() == path && n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_key_cycles_through_all() {
        for (l, name, _) in LAYOUTS {
            assert_eq!(Layout::from_name(name), Some(l));
            assert_eq!(Layout::from_name(&name.to_uppercase()), Some(l));
            assert_eq!(l.name(), name);
        }
        assert_eq!(Layout::from_name("grid"), None);
        let mut l = Layout::Build;
        let mut seen = vec![l];
        for _ in 0..2 {
            l = l.next();
            seen.push(l);
        }
        assert_eq!(seen, [Layout::Build, Layout::Watch, Layout::Compare]);
        assert_eq!(l.next(), Layout::Build);
    }

    #[test]
    fn untitled_projects_are_remembered_by_name() {
        assert_eq!(project_key(None, "spiral"), "untitled: spiral");
        assert_ne!(project_key(None, "a"), project_key(None, "b"));
    }
}
