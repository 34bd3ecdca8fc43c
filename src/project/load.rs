//! Reading project files: size check, text check, nesting pre-scan, version
//! probe, per-version parsing, migration forward, semantic validation.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ProjectError;
use super::format::{CURRENT_VERSION, ProjectFileV0, ProjectFileV1};
use super::validate::validate_file;
use crate::model::Project;

/// Largest project file read (16 MiB); checked before reading.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Deepest bracket nesting accepted. Real projects nest about 6 deep.
pub const MAX_NESTING: usize = 64;

/// Reads and checks a project file.
///
/// The size is checked from the file's metadata before reading and again
/// while reading (the file may grow); binary data is refused before parsing.
pub fn load(path: &Path) -> Result<Project, ProjectError> {
    let text = read_text_bounded(path, MAX_FILE_BYTES)?;
    parse(&text, &path.display().to_string())
}

/// Reads a whole text file of at most `limit` bytes, refusing binary data.
pub(crate) fn read_text_bounded(path: &Path, limit: u64) -> Result<String, ProjectError> {
    let bytes = read_bounded(path, limit)?;
    if bytes.contains(&0) {
        return Err(ProjectError::NotText {
            origin: path.display().to_string(),
        });
    }
    String::from_utf8(bytes).map_err(|_| ProjectError::NotText {
        origin: path.display().to_string(),
    })
}

/// Reads a whole file of at most `limit` bytes. Only a regular file is
/// read (never a FIFO, a device such as `/dev/zero`, or a folder, also not
/// through a symlink): that is checked before opening, since opening a FIFO
/// waits for a writer, and again on what was opened. The size is checked
/// before reading anything and again while reading (the file may grow).
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ProjectError> {
    let not_regular = |meta: &std::fs::Metadata| {
        let kind = if meta.is_dir() {
            std::io::ErrorKind::IsADirectory
        } else {
            std::io::ErrorKind::InvalidInput
        };
        ProjectError::io(
            path,
            std::io::Error::new(
                kind,
                format!(
                    "this is {}, not a regular file; give the path of a project file",
                    crate::data::file::kind(meta)
                ),
            ),
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| ProjectError::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let file = std::fs::File::open(path).map_err(|e| ProjectError::io(path, e))?;
    let meta = file.metadata().map_err(|e| ProjectError::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let too_large = |bytes| ProjectError::TooLarge {
        path: PathBuf::from(path),
        bytes,
        limit,
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ProjectError::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Parses project text; `origin` (a path or a label) names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Project, ProjectError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(ProjectError::TooLarge {
            path: PathBuf::from(origin),
            bytes: text.len() as u64,
            limit: MAX_FILE_BYTES,
        });
    }
    if text.contains('\0') {
        return Err(ProjectError::NotText {
            origin: origin.to_owned(),
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(syntax(
            origin,
            1,
            1,
            "the file is empty; expected a project `(version: 1, …)`",
        ));
    }
    check_nesting(text, origin)?;
    let file = match probe_version(text, origin)? {
        0 => from_ron::<ProjectFileV0>(text, origin)?.migrate(),
        1 => from_ron::<ProjectFileV1>(text, origin)?,
        found => {
            return Err(ProjectError::NewerVersion {
                origin: origin.to_owned(),
                found,
                supported: CURRENT_VERSION,
            });
        }
    };
    validate_file(&file, origin)?;
    Ok(file.into_project())
}

fn syntax(origin: &str, line: usize, col: usize, message: impl Into<String>) -> ProjectError {
    ProjectError::Syntax {
        origin: origin.to_owned(),
        line,
        col,
        message: message.into(),
    }
}

fn ron_options() -> ron::Options {
    // ron counts about two levels per bracket; with the pre-scan's bracket
    // limit this is never reached, and stays a second guard.
    ron::Options::default().with_recursion_limit(MAX_NESTING * 4)
}

pub(crate) fn from_ron<T: for<'de> Deserialize<'de>>(
    text: &str,
    origin: &str,
) -> Result<T, ProjectError> {
    ron_options().from_str(text).map_err(|e| {
        syntax(
            origin,
            e.span.start.line.max(1),
            e.span.start.col.max(1),
            match e.code {
                ron::Error::ExceededRecursionLimit => {
                    format!("brackets nest deeper than {MAX_NESTING} levels")
                }
                code => code.to_string(),
            },
        )
    })
}

/// Reads only the `version` field, skipping everything else.
fn probe_version(text: &str, origin: &str) -> Result<u32, ProjectError> {
    fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        u32::deserialize(d).map(Some)
    }
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "present")]
        version: Option<u32>,
    }
    let probe: Probe = from_ron(text, origin)?;
    probe.version.ok_or_else(|| {
        ProjectError::invalid(
            origin,
            "there is no `version` field; is this a Neuroglass project file?",
        )
    })
}

/// Refuses nesting deeper than [`MAX_NESTING`] before the recursive parser
/// sees it, with the position where the limit was passed. Brackets inside
/// strings and comments are not counted.
pub(crate) fn check_nesting(text: &str, origin: &str) -> Result<(), ProjectError> {
    let mut depth = 0usize;
    let (mut line, mut col) = (1usize, 0usize);
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    let mut block_comment = 0usize;
    let mut line_comment = false;
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            col = 0;
            line_comment = false;
            continue;
        }
        col += 1;
        if line_comment {
            continue;
        }
        if block_comment > 0 {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                col += 1;
                block_comment -= 1;
            } else if c == '/' && chars.peek() == Some(&'*') {
                chars.next();
                col += 1;
                block_comment += 1;
            }
            continue;
        }
        if in_string {
            if c == '\\' {
                if chars.next_if(|n| *n != '\n').is_some() {
                    col += 1;
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if chars.peek() == Some(&'/') => line_comment = true,
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                col += 1;
                block_comment = 1;
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(syntax(
                        origin,
                        line,
                        col,
                        format!("brackets nest deeper than {MAX_NESTING} levels"),
                    ));
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}
