//! The autosave recovery file: written atomically every so often while a
//! project has unsaved changes, offered back after a crash, discarded on
//! save. For `dir/foo.ron` it is `dir/foo.recovery.ron`, unless `dir` is
//! the program's own folder of bundled examples or cannot be written to:
//! then, like the recovery file of a project never saved, it lives in the
//! per-user data directory (`recovery/` in [`data_dir`](super::paths::data_dir)), named after the project
//! file and a hash of its full path (`foo-1a2b….recovery.ron`). It is an
//! ordinary project file: open it with [`load`](super::load).

use std::path::{Path, PathBuf};

use super::paths::path_hash;
use super::{ProjectError, save::to_string, save::write_atomic};
use crate::model::Project;

/// The per-user directory for recovery files, if the environment names a
/// home or data directory.
fn user_recovery_dir() -> Option<PathBuf> {
    Some(super::paths::data_dir()?.join("recovery"))
}

/// Where the recovery file of a project lives: beside the project file
/// when that folder is the user's own and can be written to; otherwise
/// (a bundled example, a read-only folder, or `None`: never saved) in the
/// per-user data directory. `None` when no such directory is known.
pub fn recovery_path(project_path: Option<&Path>) -> Option<PathBuf> {
    match project_path {
        Some(p) => {
            let stem = p.file_stem()?;
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
            let dir = dir.unwrap_or(Path::new("."));
            if is_bundled_dir(dir) || !writable(dir) {
                let mut name = stem.to_os_string();
                name.push(format!("-{:016x}.recovery.ron", path_hash(p)));
                return Some(user_recovery_dir()?.join(name));
            }
            let mut name = stem.to_os_string();
            name.push(".recovery.ron");
            Some(p.with_file_name(name))
        }
        None => Some(user_recovery_dir()?.join("untitled.recovery.ron")),
    }
}

/// Whether `dir` is one of the folders the program's bundled examples ship
/// in: `projects/` of the source tree it was built from, or beside the
/// executable (`<exe>/projects`, or `projects/` two levels up from
/// `target/<profile>/`).
pub fn is_bundled_dir(dir: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    let mut candidates = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("projects")];
    if let Ok(exe) = std::env::current_exe()
        && let Some(exe_dir) = exe.parent()
    {
        candidates.push(exe_dir.join("projects"));
        if let Some(up) = exe_dir.parent().and_then(Path::parent) {
            candidates.push(up.join("projects"));
        }
    }
    candidates
        .iter()
        .filter_map(|c| c.canonicalize().ok())
        .any(|c| c == dir)
}

/// Whether a file can be created in `dir` (tried, then removed).
fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".neuroglass-write-test-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => std::fs::remove_file(&probe).is_ok(),
        // Left over from a crash of this very process id: it is writable.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(&probe).is_ok()
        }
        Err(_) => false,
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
    if let Some(dir) = path.parent()
        && !dir.exists()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundled_example_keeps_its_recovery_file_out_of_the_program_folder() {
        let xor = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron");
        let bundled = xor.parent().map(Path::to_path_buf).unwrap_or_default();
        assert!(is_bundled_dir(&bundled));
        let Some(rec) = recovery_path(Some(&xor)) else {
            // No home directory at all: nowhere to write, so nothing lands
            // in the program's folder either.
            return;
        };
        assert!(!rec.starts_with(&bundled), "{}", rec.display());
        assert!(rec.starts_with(user_recovery_dir().unwrap_or_default()));
        let name = rec.file_name().unwrap_or_default().to_string_lossy();
        assert!(
            name.starts_with("xor-") && name.ends_with(".recovery.ron"),
            "{name}"
        );
        // The same project always maps to the same file.
        assert_eq!(recovery_path(Some(&xor)), Some(rec));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_read_only_folder_keeps_its_recovery_file_in_the_user_data_directory() {
        // Nobody, not even root, can create files in /proc.
        let p = Path::new("/proc/net.ron");
        assert!(!writable(Path::new("/proc")));
        let Some(rec) = recovery_path(Some(p)) else {
            return;
        };
        assert!(!rec.starts_with("/proc"), "{}", rec.display());
        let name = rec.file_name().unwrap_or_default().to_string_lossy();
        assert!(name.starts_with("net-"), "{name}");
    }

    #[test]
    fn a_users_own_folder_keeps_the_recovery_file_beside_the_project() {
        let dir = std::env::temp_dir().join(format!("ng-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("net.ron");
        assert_eq!(recovery_path(Some(&p)), Some(dir.join("net.recovery.ron")));
        assert!(!is_bundled_dir(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
