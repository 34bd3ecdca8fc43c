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
    // A pair interrupted between its renames is finished first: its
    // temporaries are complete, not stale.
    finish_interrupted_pairs(dir);
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

/// `dir/.neuroglass-pair.PID`: the journal of a group of files this
/// process is renaming into place.
fn journal_path(dir: &Path, pid: u32) -> PathBuf {
    dir.join(format!(".neuroglass-pair.{pid}"))
}

/// Finishes groups of files (see [`write_atomic_all`]) that a process which
/// no longer runs was renaming into place when it died: their journal lists
/// the files, whose temporaries were complete and synced before the journal
/// was written, so each temporary still there is renamed into place. Then
/// the journal goes. Where processes cannot be listed (no `/proc`), nothing
/// is done.
pub fn finish_interrupted_pairs(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(".neuroglass-pair."))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        // A journal is a few names; anything larger is not ours.
        let Ok(text) = super::load::read_text_bounded(&e.path(), 1 << 16) else {
            continue;
        };
        for file in text.lines().filter(|l| !l.is_empty() && !l.contains('/')) {
            let tmp = dir.join(format!(".{file}.{pid}.tmp"));
            if tmp.is_file() {
                let _ = std::fs::rename(&tmp, dir.join(file));
            }
        }
        let _ = std::fs::remove_file(e.path());
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Writes several files so they appear together: each is written in full
/// to its temporary file and synced, and only when all are written are
/// they renamed into place (in the order given). On a failure before the
/// renames nothing at the destinations changes and the temporaries are
/// removed. When all files are in one folder, a journal naming them is
/// written (and synced) before the first rename and removed after the
/// last, so a process killed between two renames leaves a group that the
/// next writer or reader of that folder finishes
/// ([`finish_interrupted_pairs`], run by every write there and by
/// [`super::weights::load_weights`]): the files appear together or not at
/// all.
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
    let dirs: Vec<PathBuf> = files
        .iter()
        .map(|(p, _)| match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        })
        .collect();
    let journal = (files.len() > 1 && dirs.windows(2).all(|w| w[0] == w[1]))
        .then(|| journal_path(&dirs[0], std::process::id()));
    if result.is_ok()
        && let Some(j) = &journal
    {
        let names: String = files
            .iter()
            .filter_map(|(p, _)| p.file_name())
            .map(|n| format!("{}\n", n.to_string_lossy()))
            .collect();
        result = write_synced(j, names.as_bytes());
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
    if let Some(j) = &journal {
        let _ = std::fs::remove_file(j);
    }
    if let Some(d) = dirs.first()
        && let Ok(d) = std::fs::File::open(d)
    {
        let _ = d.sync_all();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid no process has.
    fn dead_pid() -> u32 {
        (1_000_000..4_000_000)
            .rev()
            .find(|p| !Path::new(&format!("/proc/{p}")).exists())
            .unwrap_or(3_999_999)
    }

    /// A group of three files killed at every point of its write: before
    /// the journal (temporaries only: removed, old files kept), and after
    /// 0, 1, 2 or 3 renames (finished by the next writer or reader: all
    /// new).
    #[test]
    fn a_group_killed_between_renames_is_finished_not_mixed() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let pid = dead_pid();
        let names = ["P.metrics.csv", "P.safetensors", "P.extra"];
        let mut tried = 0;
        for renamed in 0..=4usize {
            let dir =
                std::env::temp_dir().join(format!("ng-pair-{}-{renamed}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for n in names {
                std::fs::write(dir.join(n), b"old").unwrap();
                std::fs::write(dir.join(format!(".{n}.{pid}.tmp")), b"new").unwrap();
            }
            // renamed == 4: killed before the journal was written.
            if renamed < 4 {
                std::fs::write(journal_path(&dir, pid), names.join("\n") + "\n").unwrap();
                for n in &names[..renamed] {
                    std::fs::rename(dir.join(format!(".{n}.{pid}.tmp")), dir.join(n)).unwrap();
                }
            }
            // The next write in the folder (of another file) cleans up.
            write_atomic(&dir.join("other"), b"x").unwrap();
            let want: &[u8] = if renamed < 4 { b"new" } else { b"old" };
            for n in names {
                assert_eq!(
                    std::fs::read(dir.join(n)).unwrap(),
                    want,
                    "{n} at {renamed}"
                );
            }
            let left: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect();
            // Temporaries of a group never journalled are removed per name
            // when that name is written next; the journalled ones are gone.
            if renamed < 4 {
                assert!(left.is_empty(), "{renamed}: {left:?}");
            }
            let _ = std::fs::remove_dir_all(&dir);
            tried += 1;
        }
        // A finished write leaves neither temporaries nor a journal.
        let dir = std::env::temp_dir().join(format!("ng-pair-{}-ok", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        write_atomic_all(&[(&a, b"1"), (&b, b"2")]).unwrap();
        let all: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(all.len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
        println!("interrupted groups: {} inputs", tried + 1);
    }
}
