//! Undo and redo of every edit, as whole-project snapshots (projects are
//! small: a few kilobytes even for large graphs).

use crate::model::Project;

/// How many edits can be undone.
pub const UNDO_LIMIT: usize = 200;

/// Past and undone states of the project.
#[derive(Default)]
pub struct UndoStack {
    undo: Vec<Project>,
    redo: Vec<Project>,
}

impl UndoStack {
    /// Records the state before an edit; clears what was undone.
    pub fn record(&mut self, before: Project) {
        if self.undo.len() == UNDO_LIMIT {
            self.undo.remove(0);
        }
        self.undo.push(before);
        self.redo.clear();
    }

    /// Steps back: returns the earlier state and keeps `current` for redo.
    pub fn undo(&mut self, current: &Project) -> Option<Project> {
        let before = self.undo.pop()?;
        self.redo.push(current.clone());
        Some(before)
    }

    /// Steps forward again after an undo.
    pub fn redo(&mut self, current: &Project) -> Option<Project> {
        let after = self.redo.pop()?;
        self.undo.push(current.clone());
        Some(after)
    }

    /// Whether there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Forgets everything (a new document).
    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(n: &str) -> Project {
        Project {
            name: n.into(),
            ..Default::default()
        }
    }

    #[test]
    fn undo_redo_and_a_new_edit_drops_the_redo() {
        let mut u = UndoStack::default();
        u.record(named("a"));
        u.record(named("b"));
        let cur = named("c");
        let b = u.undo(&cur).unwrap();
        assert_eq!(b.name, "b");
        let a = u.undo(&b).unwrap();
        assert_eq!(a.name, "a");
        assert!(u.undo(&a).is_none());
        assert_eq!(u.redo(&a).unwrap().name, "b");
        u.record(named("x"));
        assert!(!u.can_redo());
    }
}
