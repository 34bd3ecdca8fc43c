//! Printing for the headless commands: a closed pipe or a full disk stops
//! the printing, never the work (no panic, the outputs are still written),
//! and control characters from files (a project name with escape
//! sequences) are shown escaped, never sent to the terminal. A closed
//! pipe (`| head -1`) is the reader's choice and is not an error; any other
//! failure to print (a full disk, an I/O error) is said on stderr at the end
//! and makes the exit code non-zero ([`finish`]).

use std::io::Write;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);
/// The first error printing to stdout that was not a closed pipe.
static STDOUT_ERROR: OnceLock<String> = OnceLock::new();

/// Exit code when the work was done but its output could not be printed.
pub const OUTPUT_FAILED: u8 = 2;

/// `text` with every control character other than newline and tab written
/// as an escape (`\u{1b}`), so text from a file cannot move the cursor,
/// clear the screen or set the window title.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

fn write(gone: &AtomicBool, w: &mut dyn Write, text: &str) -> Option<std::io::Error> {
    if gone.load(Ordering::Relaxed) {
        return None;
    }
    let result = w.write_all(clean(text).as_bytes()).and_then(|()| w.flush());
    match result {
        Ok(()) => None,
        Err(e) => {
            gone.store(true, Ordering::Relaxed);
            Some(e)
        }
    }
}

fn write_stdout(text: &str) {
    if let Some(e) = write(&STDOUT_GONE, &mut std::io::stdout().lock(), text)
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = STDOUT_ERROR.set(e.to_string());
    }
}

/// Prints `text` and a newline on stdout; once stdout fails, prints nothing more.
pub fn line(text: impl AsRef<str>) {
    let mut s = text.as_ref().to_string();
    s.push('\n');
    write_stdout(&s);
}

/// Prints `text` as it is (no newline added) on stdout.
pub fn text(text: impl AsRef<str>) {
    write_stdout(text.as_ref());
}

/// Prints `text` and a newline on stderr; once stderr fails, prints nothing more.
pub fn error(text: impl AsRef<str>) {
    let mut s = text.as_ref().to_string();
    s.push('\n');
    let _ = write(&STDERR_GONE, &mut std::io::stderr().lock(), &s);
}

/// Whether stdout failed (a closed pipe, a full disk).
pub fn stdout_failed() -> bool {
    STDOUT_GONE.load(Ordering::Relaxed)
}

/// The exit code of a command whose own code was `code`: when printing to
/// stdout failed other than by a closed pipe, says so on stderr and makes a
/// success [`OUTPUT_FAILED`] (a failure keeps its own code). Files the
/// command wrote are kept.
pub fn finish(code: ExitCode) -> ExitCode {
    let Some(e) = STDOUT_ERROR.get() else {
        return code;
    };
    error(format!(
        "error: the output could not be written to stdout ({e}); it is incomplete — files the command wrote are kept"
    ));
    if code == ExitCode::SUCCESS {
        ExitCode::from(OUTPUT_FAILED)
    } else {
        code
    }
}

/// A path quoted for a POSIX shell when it needs it (`'it'\''s'`).
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:,@%=".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            clean("a\u{1b}]0;title\u{7}b\n"),
            "a\\u{1b}]0;title\\u{7}b\n"
        );
        assert_eq!(clean("épsilon\tx"), "épsilon\tx");
        assert_eq!(shell_quote("/tmp/a b/it's"), "'/tmp/a b/it'\\''s'");
        assert_eq!(shell_quote("/tmp/ok.py"), "/tmp/ok.py");
    }
}
