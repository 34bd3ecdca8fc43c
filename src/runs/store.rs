//! Where a project's runs live, listing them, and deleting one.
//!
//! Runs of `dir/P.ron` are kept in `dir/P.runs/`. When that folder cannot
//! be made or written (a read-only folder), they go to the user's data
//! directory instead, under a name made from the project's path; runs of a
//! project without a file (a bundled example, a new project) go there
//! under the project's name. Listing reads both places.

use std::path::{Path, PathBuf};

use super::RunsError;
use super::files;
use super::record::{RunRecord, checkpoint_file_name};

/// Folders inside a runs folder looked at, at most (more are reported).
const MAX_ENTRIES: usize = 10_000;

pub use crate::project::paths::{DATA_DIR_ENV, data_dir};

/// FNV-1a, to name a project's fallback folder after its path.
fn fnv(text: &str) -> u64 {
    crate::project::paths::stable_hash(text.as_bytes())
}

/// Whether `id` could be a run's folder name (nothing that walks paths).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !id.starts_with('-')
}

/// The runs read back from a store, and what was skipped.
#[derive(Debug, Default)]
pub struct Listing {
    /// Every readable run, oldest first.
    pub runs: Vec<RunRecord>,
    /// One message per folder or file that is not a readable run.
    pub skipped: Vec<String>,
}

/// The places a project's runs are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunStore {
    /// Where runs are written, in order of preference; all are read.
    pub folders: Vec<PathBuf>,
}

impl RunStore {
    /// The store of the project file at `path`, or — without a file — of
    /// a project called `name` in the user's data directory.
    pub fn for_project(path: Option<&Path>, name: &str) -> Self {
        let data = data_dir().map(|d| d.join("runs"));
        let mut folders = Vec::new();
        match path {
            Some(p) => {
                let stem = p
                    .file_stem()
                    .map_or_else(|| "project".into(), |s| s.to_string_lossy().into_owned());
                let parent = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                // The program's own bundled examples keep their runs in
                // the data directory, like their recovery files.
                if !crate::project::recovery::is_bundled_dir(&parent) {
                    folders.push(parent.join(format!("{stem}.runs")));
                }
                if let Some(d) = data {
                    let abs = std::fs::canonicalize(&parent).unwrap_or(parent);
                    let key = fnv(&abs.join(&stem).to_string_lossy());
                    folders.push(d.join(format!("{}-{key:016x}.runs", files::slug(&stem))));
                }
            }
            None => {
                if let Some(d) = data {
                    folders.push(
                        d.join("untitled")
                            .join(format!("{}.runs", files::slug(name))),
                    );
                }
            }
        }
        Self { folders }
    }

    /// A store of exactly these folders (for tests and tools).
    pub fn at(folders: Vec<PathBuf>) -> Self {
        Self { folders }
    }

    /// Makes a new run folder named `id` (or `id-2`, `id-3`, … when taken)
    /// in the first place that can be written; returns its path.
    pub fn create_run_dir(&self, id: &str) -> Result<PathBuf, RunsError> {
        let mut why = Vec::new();
        for folder in &self.folders {
            if let Err(e) = std::fs::create_dir_all(folder) {
                why.push(format!("{}: {e}", folder.display()));
                continue;
            }
            for n in 1..=1000 {
                let name = if n == 1 {
                    id.to_string()
                } else {
                    format!("{id}-{n}")
                };
                let dir = folder.join(&name);
                match std::fs::create_dir(&dir) {
                    Ok(()) => return Ok(dir),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => {
                        why.push(format!("{}: {e}", dir.display()));
                        break;
                    }
                }
            }
        }
        if self.folders.is_empty() {
            why.push("no data directory is known (HOME is not set)".into());
        }
        Err(RunsError::NoPlace(why.join("; ")))
    }

    /// Every readable run, oldest first, and a message for each folder
    /// that is not one (a foreign folder, a damaged record). Never fails:
    /// an unreadable runs folder is a message too.
    pub fn list(&self) -> Listing {
        let mut out = Listing::default();
        for folder in &self.folders {
            let entries = match std::fs::read_dir(folder) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    out.skipped.push(format!("{}: {e}", folder.display()));
                    continue;
                }
            };
            for (i, entry) in entries.enumerate() {
                if i >= MAX_ENTRIES {
                    out.skipped.push(format!(
                        "{}: more than {MAX_ENTRIES} entries; the rest were not read",
                        folder.display()
                    ));
                    break;
                }
                let Ok(entry) = entry else { continue };
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                if !path.is_dir() {
                    out.skipped
                        .push(format!("{}: not a run folder; skipped", path.display()));
                    continue;
                }
                match RunRecord::load(&path) {
                    Ok(r) => out.runs.push(r),
                    Err(e) => out.skipped.push(format!("{e}; skipped")),
                }
            }
        }
        out.runs.sort_by(|a, b| {
            (a.file.started_unix, &a.file.id).cmp(&(b.file.started_unix, &b.file.id))
        });
        out
    }

    /// The run with this id.
    pub fn find(&self, id: &str) -> Result<RunRecord, RunsError> {
        if !valid_id(id) {
            return Err(RunsError::NoSuchRun { id: id.into() });
        }
        for folder in &self.folders {
            let dir = folder.join(id);
            if dir.is_dir() {
                return RunRecord::load(&dir);
            }
        }
        Err(RunsError::NoSuchRun { id: id.into() })
    }

    /// Deletes a run: its known files, then its folder. A folder holding
    /// anything else is left in place with an error (nothing foreign is
    /// ever deleted).
    pub fn delete(&self, id: &str) -> Result<PathBuf, RunsError> {
        let run = self.find(id)?;
        let dir = run.dir.clone();
        let mut names: Vec<String> = [
            files::MANIFEST,
            files::PROJECT,
            files::STEPS,
            files::EPOCHS,
            super::label::LABEL,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        names.extend(
            run.file
                .checkpoints
                .iter()
                .map(|c| checkpoint_file_name(c.step)),
        );
        // Also orphans of a crash: checkpoints thinned or not yet listed,
        // and temporary files of atomic writes.
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                let ours = (n.starts_with("step-") && n.ends_with(".safetensors"))
                    || (n.starts_with('.') && n.ends_with(".tmp"));
                if ours && e.path().is_file() {
                    names.push(n);
                }
            }
        }
        for n in names {
            match std::fs::remove_file(dir.join(&n)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(RunsError::io(dir.join(n), e)),
            }
        }
        std::fs::remove_dir(&dir).map_err(|e| {
            RunsError::invalid(
                &dir,
                format!("the run's files were deleted but the folder holds other files, so it was left: {e}"),
            )
        })?;
        Ok(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_walk_paths_are_refused() {
        assert!(valid_id("20261202-031542"));
        assert!(valid_id("20261202-031542-2"));
        for bad in ["", "..", "../x", "a/b", "a\\b", "-x", "x y"] {
            assert!(!valid_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn beside_the_project_first() {
        let s = RunStore::for_project(Some(Path::new("/tmp/some/xor.ron")), "XOR");
        assert_eq!(s.folders[0], PathBuf::from("/tmp/some/xor.runs"));
    }
}
