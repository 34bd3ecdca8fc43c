//! `lesson verify`: for every step with goals, the goals must fail in the
//! step's start (its project as the student first sees it, no run yet)
//! and hold once the solution's edits are applied and trained, seeded.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::edit::{Edit, apply};
use super::format::{LessonFile, Start, Step};
use super::goal::{Facts, RunSummary, describe, met, needs_run};
use super::train::train_headless;
use crate::model::{Analysis, Project, analyze, resolve_data_info};

/// What `verify` found for one step with goals.
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// The step's number, from 1.
    pub step: usize,
    /// The step's title.
    pub title: String,
    /// The goals are not all met in the start state.
    pub start_fails: bool,
    /// The goals are all met after the solution.
    pub solution_passes: bool,
    /// Wall-clock seconds for the step (both trainings).
    pub seconds: f64,
    /// What went wrong, in words (empty when both hold).
    pub problems: Vec<String>,
}

/// The project a step starts from: its own, or `previous` for `Continue`,
/// with the folder its data paths are relative to.
///
/// # Errors
/// The example cannot be found or read, or `Continue` has nothing before it.
pub fn start_project(
    step: &Step,
    previous: Option<&(Project, Option<PathBuf>)>,
) -> Result<(Project, Option<PathBuf>), String> {
    match &step.start {
        Start::Continue => previous.cloned().ok_or_else(|| {
            "the step continues, but no project is open before it; start it from an example".into()
        }),
        Start::Example(name) => {
            let dir = super::examples_dir().ok_or_else(|| {
                "the program's projects/ folder was not found beside it or in its source tree"
                    .to_owned()
            })?;
            let path = dir.join(name);
            let p = crate::project::load(&path).map_err(|e| e.to_string())?;
            Ok((p, Some(dir)))
        }
        Start::Inline(file) => Ok(((**file).clone().into_project(), None)),
    }
}

/// The analysis a goal sees for `p` (no data info when the data cannot
/// be read: then every parameter goal fails).
pub fn analysis_of(p: &Project, dir: Option<&Path>) -> Analysis {
    let info = resolve_data_info(p, dir).ok();
    analyze(&p.graph, info.as_ref(), &p.training)
}

/// Which goals of `step` are unmet for these facts, described.
pub fn unmet(step: &Step, facts: &Facts<'_>) -> Vec<String> {
    step.goals
        .iter()
        .filter(|g| !met(g, facts))
        .map(describe)
        .collect()
}

/// Verifies every step of a lesson; one report per step with goals, in
/// order.
pub fn verify(lesson: &LessonFile) -> Vec<StepReport> {
    let mut reports = Vec::new();
    let mut current: Option<(Project, Option<PathBuf>)> = None;
    for (i, step) in lesson.steps.iter().enumerate() {
        let started = Instant::now();
        let mut report = StepReport {
            step: i + 1,
            title: step.title.clone(),
            start_fails: false,
            solution_passes: false,
            seconds: 0.0,
            problems: Vec::new(),
        };
        let start = match start_project(step, current.as_ref()) {
            Ok(s) => s,
            Err(e) => {
                report.problems.push(format!("start: {e}"));
                if !step.goals.is_empty() {
                    reports.push(report);
                }
                current = None;
                continue;
            }
        };
        if step.goals.is_empty() {
            // A "look, then Next" step: its edits (if any) carry forward.
            let mut p = start.0.clone();
            for e in &step.solution {
                let _ = apply(&mut p, e);
            }
            current = Some((p, start.1));
            continue;
        }
        let dir = start.1.as_deref();
        let trains = step.goals.iter().any(needs_run);
        let unmet_at_start = check_start(step, &start.0, dir);
        report.start_fails = !unmet_at_start.is_empty();
        if unmet_at_start.is_empty() {
            report
                .problems
                .push("start: every goal is already met before the student does anything".into());
        }
        match solve(step, &start.0, dir, trains) {
            Ok((solved, unmet_goals)) => {
                report.solution_passes = unmet_goals.is_empty();
                for g in unmet_goals {
                    report.problems.push(format!("solution: not met: {g}"));
                }
                current = Some((solved, start.1.clone()));
            }
            Err(e) => {
                report.problems.push(format!("solution: {e}"));
                current = Some(start);
            }
        }
        report.seconds = started.elapsed().as_secs_f64();
        reports.push(report);
    }
    reports
}

/// The goals unmet in the start state as the student first sees it: the
/// step's project, no run yet, nothing traced.
fn check_start(step: &Step, p: &Project, dir: Option<&Path>) -> Vec<String> {
    let analysis = analysis_of(p, dir);
    unmet(
        step,
        &Facts {
            project: p,
            analysis: &analysis,
            runs: &[],
            traced: false,
        },
    )
}

fn solve(
    step: &Step,
    start: &Project,
    dir: Option<&Path>,
    trains: bool,
) -> Result<(Project, Vec<String>), String> {
    let mut p = start.clone();
    let mut runs: Vec<RunSummary> = Vec::new();
    let mut traced = false;
    let mut changed = true;
    for (n, e) in step.solution.iter().enumerate() {
        match e {
            Edit::Train => {
                runs.push(train_headless(&p, dir)?);
                changed = false;
            }
            Edit::Trace => traced = true,
            edit => {
                apply(&mut p, edit).map_err(|err| format!("edit {}: {err}", n + 1))?;
                changed = true;
            }
        }
    }
    if trains && (runs.is_empty() || changed) {
        runs.push(train_headless(&p, dir)?);
    }
    let analysis = analysis_of(&p, dir);
    let mut unmet_goals = unmet(
        step,
        &Facts {
            project: &p,
            analysis: &analysis,
            runs: &runs,
            traced,
        },
    );
    // What the last run reached, for the lesson's author.
    if let Some(r) = runs.last()
        && !unmet_goals.is_empty()
    {
        unmet_goals.push(format!(
            "(the last run: {} epochs{}, validation {} {:.3}, training {:.3}, validation loss {:.4})",
            r.epochs,
            if r.diverged { ", diverged" } else { "" },
            if r.classification { "accuracy" } else { "R²" },
            r.val_metric,
            r.train_metric,
            r.val_loss
        ));
    }
    Ok((p, unmet_goals))
}
