//! `neuroglass lesson verify LESSON.ron… [--json]` and `neuroglass lesson
//! check LESSON.ron`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::lesson::verify::verify as verify_lesson;

use super::check::{INVALID, OK, UNREADABLE};

/// `lesson check`: reads and validates one lesson file; 0 valid, 2
/// unreadable or invalid.
pub fn check(path: &Path) -> ExitCode {
    match crate::lesson::load(path) {
        Ok(l) => {
            let goals: usize = l.steps.iter().map(|s| s.goals.len()).sum();
            super::out::line(format!(
                "{}: \"{}\", {} minutes, {} steps, {} goals; concepts: {}",
                path.display(),
                l.title,
                l.minutes,
                l.steps.len(),
                goals,
                concept_keys(&l).join(", ")
            ));
            ExitCode::from(OK)
        }
        Err(e) => {
            super::out::error(e.to_string());
            ExitCode::from(UNREADABLE)
        }
    }
}

fn concept_keys(l: &crate::lesson::LessonFile) -> Vec<&'static str> {
    l.concepts.iter().map(|c| c.key()).collect()
}

/// `lesson verify`: for every step with goals of every lesson, the goals
/// fail at the start and hold after the solution. Exit 0 only if all do;
/// 1 if any does not; 2 if a lesson cannot be read.
pub fn verify(paths: &[PathBuf], json: bool) -> ExitCode {
    let mut code = OK;
    for path in paths {
        let lesson = match crate::lesson::load(path) {
            Ok(l) => l,
            Err(e) => {
                super::out::error(e.to_string());
                code = UNREADABLE;
                continue;
            }
        };
        let reports = verify_lesson(&lesson);
        if reports.is_empty() {
            super::out::error(format!(
                "{}: no step has goals; there is nothing to verify",
                path.display()
            ));
            code = code.max(INVALID);
        }
        for r in &reports {
            let ok = r.start_fails && r.solution_passes;
            if !ok {
                code = code.max(INVALID);
            }
            if json {
                super::out::line(
                    serde_json::json!({
                        "lesson": path.display().to_string(),
                        "step": r.step,
                        "concepts": concept_keys(&lesson),
                        "start_fails": r.start_fails,
                        "solution_passes": r.solution_passes,
                        "seconds": r.seconds,
                    })
                    .to_string(),
                );
            } else {
                super::out::line(format!(
                    "{} step {} \"{}\": {} ({:.1} s)",
                    path.display(),
                    r.step,
                    r.title,
                    if ok { "ok" } else { "FAILED" },
                    r.seconds
                ));
            }
            for p in &r.problems {
                super::out::error(format!("  {}: step {}: {p}", path.display(), r.step));
            }
        }
    }
    ExitCode::from(code)
}
