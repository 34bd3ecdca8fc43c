//! The autosave recovery file: written atomically every so often while a
//! project has unsaved changes, offered back after a crash, discarded on
//! save. For `dir/foo.ron` it is `dir/foo.recovery.ron`; for a project never
//! saved it lives in the per-user data directory
//! (`$XDG_DATA_HOME/neuroglass/recovery/untitled.recovery.ron`, or under
//! `~/.local/share`, or `%APPDATA%` on Windows). It is an ordinary project
//! file: open it with [`load`](super::load).

use std::path::{Path, PathBuf};

use super::{ProjectError, save::to_string, save::write_atomic};
use crate::model::Project;

/// The per-user directory for recovery files of unsaved projects, if the
/// environment names a home or data directory.
fn user_recovery_dir() -> Option<PathBuf> {
    let non_empty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = non_empty("XDG_DATA_HOME")
        .or_else(|| non_empty("APPDATA"))
        .or_else(|| non_empty("HOME").map(|h| h.join(".local").join("share")))?;
    Some(base.join("neuroglass").join("recovery"))
}

/// Where the recovery file of a project lives: beside the project file, or,
/// for `None` (never saved), in the per-user data directory. `None` when
/// no such directory is known.
pub fn recovery_path(project_path: Option<&Path>) -> Option<PathBuf> {
    match project_path {
        Some(p) => {
            let stem = p.file_stem()?;
            let mut name = stem.to_os_string();
            name.push(".recovery.ron");
            Some(p.with_file_name(name))
        }
        None => Some(user_recovery_dir()?.join("untitled.recovery.ron")),
    }
}

/// Writes the recovery file atomically and returns where.
pub fn write_recovery(
    project: &Project,
    project_path: Option<&Path>,
) -> Result<PathBuf, ProjectError> {
    let path = recovery_path(project_path).ok_or_else(|| {
        ProjectError::io(
            project_path.unwrap_or(Path::new("untitled")),
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no place for a recovery file (no home or data directory)",
            ),
        )
    })?;
    if project_path.is_none()
        && let Some(dir) = path.parent()
    {
        std::fs::create_dir_all(dir).map_err(|e| ProjectError::io(dir, e))?;
    }
    let text = to_string(project)?;
    write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// A recovery file worth offering: it exists and is not older than the
/// project file (a missing project file counts as older).
pub fn find_recovery(project_path: Option<&Path>) -> Option<PathBuf> {
    let rec = recovery_path(project_path)?;
    let rec_time = std::fs::metadata(&rec).ok()?.modified().ok()?;
    if let Some(p) = project_path
        && let Ok(t) = std::fs::metadata(p).and_then(|m| m.modified())
        && t > rec_time
    {
        return None;
    }
    Some(rec)
}

/// Deletes the recovery file, if there is one.
pub fn discard_recovery(project_path: Option<&Path>) -> Result<(), ProjectError> {
    let Some(rec) = recovery_path(project_path) else {
        return Ok(());
    };
    match std::fs::remove_file(&rec) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ProjectError::io(rec, e)),
    }
}
