//! Writing project files: deterministic pretty RON and atomic replacement.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::ProjectError;
use super::format::ProjectFileV1;
use super::validate::validate_file;
use crate::model::Project;

/// The project as the text of a file: pretty RON, fields in a fixed order,
/// nodes by id, edges sorted, so the same project always gives the same
/// bytes. Refuses a project that would not load back (NaN positions,
/// absurd sizes…).
pub fn to_string(project: &Project) -> Result<String, ProjectError> {
    let file = ProjectFileV1::from_project(project);
    validate_file(&file, "project")?;
    let config = ron::ser::PrettyConfig::new()
        .indentor("    ".to_owned())
        .new_line("\n".to_owned())
        .struct_names(false)
        .separate_tuple_members(false)
        .enumerate_arrays(false)
        .depth_limit(3);
    let mut text = ron::ser::to_string_pretty(&file, config)
        .map_err(|e| ProjectError::invalid("project", format!("cannot be written as RON: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// Saves a project atomically: the previous file stays intact if anything
/// fails.
pub fn save(project: &Project, path: &Path) -> Result<(), ProjectError> {
    let text = to_string(project)?;
    write_atomic(path, text.as_bytes())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory is written, flushed to disk, then renamed over `path` (and the
/// directory synced). On any failure the temporary file is removed and
/// whatever was at `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    let file_name = path.file_name().ok_or_else(|| {
        ProjectError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"),
        )
    })?;
    if path.is_dir() {
        return Err(ProjectError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = temp_path(&dir, file_name);
    remove_stale_temps(&dir, file_name);
    // One writer at a time in this process: the temporary name is per
    // process, so an autosave and a save must not interleave.
    static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let result = write_then_rename(&tmp, path, bytes);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    // Make the rename itself durable; not all systems can open a directory.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// `dir/.NAME.PID.tmp`: the temporary file this process writes `NAME` through.
fn temp_path(dir: &Path, file_name: &std::ffi::OsStr) -> PathBuf {
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    dir.join(tmp_name)
}

/// Removes `dir/.NAME.PID.tmp` files left by processes that no longer run
/// (killed while writing). Where processes cannot be listed (no `/proc`),
/// nothing is removed.
pub fn remove_stale_temps(dir: &Path, file_name: &std::ffi::OsStr) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{}.", file_name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".tmp"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Writes several files so they appear together: each is written in full
/// to its temporary file and synced, and only when all are written are
/// they renamed into place (in the order given). On a failure before the
/// renames nothing at the destinations changes and the temporaries are
/// removed.
pub fn write_atomic_all(files: &[(&Path, &[u8])]) -> Result<(), ProjectError> {
    static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let mut temps = Vec::new();
    let mut result = Ok(());
    for (path, bytes) in files {
        let (Some(file_name), false) = (path.file_name(), path.is_dir()) else {
            result = Err(ProjectError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"),
            ));
            break;
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        remove_stale_temps(&dir, file_name);
        let tmp = temp_path(&dir, file_name);
        temps.push(tmp.clone());
        if let Err(e) = write_synced(&tmp, bytes) {
            result = Err(e);
            break;
        }
    }
    if result.is_ok() {
        for ((path, _), tmp) in files.iter().zip(&temps) {
            if let Err(e) = std::fs::rename(tmp, path) {
                result = Err(ProjectError::io(path, e));
                break;
            }
        }
    }
    for t in &temps {
        let _ = std::fs::remove_file(t);
    }
    result
}

fn write_synced(tmp: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(tmp)
        .map_err(|e| ProjectError::io(tmp, e))?;
    f.write_all(bytes).map_err(|e| ProjectError::io(tmp, e))?;
    f.sync_all().map_err(|e| ProjectError::io(tmp, e))
}

fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .or_else(|e| {
            // A stale temp file from a crashed save: replace it.
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                std::fs::remove_file(tmp)?;
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(tmp)
            } else {
                Err(e)
            }
        })
        .map_err(|e| ProjectError::io(tmp, e))?;
    f.write_all(bytes).map_err(|e| ProjectError::io(tmp, e))?;
    f.sync_all().map_err(|e| ProjectError::io(tmp, e))?;
    drop(f);
    std::fs::rename(tmp, path).map_err(|e| ProjectError::io(path, e))
}
