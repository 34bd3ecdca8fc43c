//! Reading project files, defensively: size, text, nesting and version are
//! checked before anything is built.

use std::io::Read;
use std::path::Path;

use crate::model::Project;

use super::ProjectError;
use super::convert::from_file;
use super::format::{ProjectFileV1, VERSION, VersionProbe};

/// Largest project file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Deepest bracket nesting accepted (real files need about 6).
pub const MAX_NESTING: usize = 64;

/// Reads and checks a project file.
///
/// # Errors
/// [`ProjectError`] naming the file, and the line and column for syntax.
pub fn load(path: &Path) -> Result<Project, ProjectError> {
    let io = |source| ProjectError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let bytes = file.metadata().map_err(io)?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(ProjectError::TooLarge {
            path: path.to_path_buf(),
            bytes,
            limit: MAX_FILE_BYTES,
        });
    }
    let mut buf = Vec::with_capacity(bytes as usize);
    // Read at most one byte past the limit, in case the file grew.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(ProjectError::TooLarge {
            path: path.to_path_buf(),
            bytes: buf.len() as u64,
            limit: MAX_FILE_BYTES,
        });
    }
    let origin = path.display().to_string();
    let text = String::from_utf8(buf).map_err(|e| ProjectError::NotText {
        origin: origin.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    parse(&text, &origin)
}

/// Line and column (1-based) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Refuses text nested deeper than [`MAX_NESTING`] before the parser sees
/// it (strings and comments are skipped).
fn check_nesting(text: &str, origin: &str) -> Result<(), ProjectError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if chars.peek().is_some_and(|(_, n)| *n == '/') => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let (line, col) = position(text, i);
                    return Err(ProjectError::Syntax {
                        origin: origin.to_string(),
                        line,
                        col,
                        message: format!(
                            "brackets nested more than {MAX_NESTING} deep; this is not a project file"
                        ),
                    });
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn syntax(origin: &str, e: ron::error::SpannedError) -> ProjectError {
    ProjectError::Syntax {
        origin: origin.to_string(),
        line: e.span.start.line,
        col: e.span.start.col,
        message: e.code.to_string(),
    }
}

/// Parses project text; `origin` names it in messages.
///
/// # Errors
/// As [`load`].
pub fn parse(text: &str, origin: &str) -> Result<Project, ProjectError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ProjectError::Syntax {
            origin: origin.to_string(),
            line: 1,
            col: 1,
            message: "the file is empty; expected a project such as `(version: 1, graph: (nodes: [...]))`".into(),
        });
    }
    check_nesting(text, origin)?;
    let options = ron::Options::default().with_recursion_limit(MAX_NESTING);
    let probe: VersionProbe = options.from_str(text).map_err(|e| syntax(origin, e))?;
    match probe.version {
        0 => Err(ProjectError::Invalid {
            origin: origin.to_string(),
            message: "format version 0 does not exist; the first version is 1".into(),
        }),
        v if v > VERSION => Err(ProjectError::NewerVersion {
            origin: origin.to_string(),
            found: v,
            supported: VERSION,
        }),
        _ => {
            let file: ProjectFileV1 = options.from_str(text).map_err(|e| syntax(origin, e))?;
            from_file(file, origin).map_err(|message| ProjectError::Invalid {
                origin: origin.to_string(),
                message,
            })
        }
    }
}
