//! Reading lesson files through the same guards as projects: a size limit
//! checked before and while reading, only regular files, text only, a
//! nesting pre-scan, a version probe, then parsing and checking every
//! name and number against what the program knows.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use super::LessonError;
use super::edit::Edit;
use super::format::{LESSON_VERSION, LessonFile, Start};
use super::goal::{Goal, INIT_NAMES, LOSS_NAMES, OPTIMIZER_NAMES};
use crate::model::LayerSpec;
use crate::project::ProjectError;
use crate::project::load::{check_nesting, from_ron, read_text_bounded};

/// Largest lesson file read (1 MiB); checked before reading.
pub const MAX_LESSON_BYTES: u64 = 1 << 20;
/// Most steps in a lesson.
pub const MAX_STEPS: usize = 100;
/// Most goals, hints or solution edits in one step.
pub const MAX_ITEMS: usize = 200;
/// Longest text of one step, in bytes.
pub const MAX_TEXT: usize = 20_000;

/// Reads and checks a lesson file.
///
/// # Errors
/// The file cannot be read, is too large, is not text, nests too deep, is
/// of a newer version, does not parse, or names something unknown.
pub fn load(path: &Path) -> Result<LessonFile, LessonError> {
    let text = read_text_bounded(path, MAX_LESSON_BYTES)?;
    parse(&text, &path.display().to_string())
}

/// Parses lesson text; `origin` names it in errors.
///
/// # Errors
/// As [`load`], for text.
pub fn parse(text: &str, origin: &str) -> Result<LessonFile, LessonError> {
    if text.len() as u64 > MAX_LESSON_BYTES {
        return Err(ProjectError::TooLarge {
            path: origin.into(),
            bytes: text.len() as u64,
            limit: MAX_LESSON_BYTES,
        }
        .into());
    }
    if text.contains('\0') {
        return Err(ProjectError::NotText {
            origin: origin.to_owned(),
        }
        .into());
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(invalid(
            origin,
            "the file is empty; expected a lesson `(version: 1, title: …, steps: […])`",
        ));
    }
    check_nesting(text, origin)?;
    match probe_version(text, origin)? {
        LESSON_VERSION => {}
        found if found > LESSON_VERSION => {
            return Err(ProjectError::NewerVersion {
                origin: origin.to_owned(),
                found,
                supported: LESSON_VERSION,
            }
            .into());
        }
        found => {
            return Err(invalid(
                origin,
                format!("version {found} is not a lesson format; lessons start at version 1"),
            ));
        }
    }
    let lesson: LessonFile = from_ron(text, origin)?;
    validate(&lesson, origin)?;
    Ok(lesson)
}

fn invalid(origin: &str, message: impl Into<String>) -> LessonError {
    LessonError::Invalid {
        origin: origin.to_owned(),
        message: message.into(),
    }
}

fn probe_version(text: &str, origin: &str) -> Result<u32, LessonError> {
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
        invalid(
            origin,
            "there is no `version` field; is this a Neuroglass lesson file?",
        )
    })
}

/// The layer kind names a palette entry or a goal may name.
pub fn kind_names() -> Vec<&'static str> {
    LayerSpec::palette()
        .iter()
        .map(LayerSpec::kind_name)
        .collect()
}

/// Checks names, numbers and sizes of a parsed lesson.
///
/// # Errors
/// [`LessonError::Invalid`] saying what is wrong and where.
pub fn validate(l: &LessonFile, origin: &str) -> Result<(), LessonError> {
    let bad = |m: String| Err(invalid(origin, m));
    if l.title.trim().is_empty() || l.title.len() > 200 {
        return bad("the title must be 1 to 200 characters".into());
    }
    if !(1..=120).contains(&l.minutes) {
        return bad(format!(
            "minutes is {}; a lesson lasts 1 to 120 minutes",
            l.minutes
        ));
    }
    if l.concepts.is_empty() {
        return bad("`concepts` is empty; name at least one concept the lesson teaches".into());
    }
    let mut seen = BTreeSet::new();
    for c in &l.concepts {
        if !seen.insert(*c) {
            return bad(format!("the concept `{}` is listed twice", c.key()));
        }
    }
    if l.steps.is_empty() || l.steps.len() > MAX_STEPS {
        return bad(format!(
            "{} steps; a lesson has 1 to {MAX_STEPS}",
            l.steps.len()
        ));
    }
    if matches!(l.steps[0].start, Start::Continue) {
        return bad(
            "step 1 starts with `Continue`; the first step names its project: `Example(\"xor.ron\")` or `Inline((version: 1, …))`".into(),
        );
    }
    let kinds = kind_names();
    for (i, s) in l.steps.iter().enumerate() {
        let at = |m: String| invalid(origin, format!("step {} ({:?}): {m}", i + 1, s.title));
        if s.title.trim().is_empty() {
            return Err(at("the step has no title".into()));
        }
        if s.text.len() > MAX_TEXT {
            return Err(at(format!(
                "the text is {} bytes; the limit is {MAX_TEXT}",
                s.text.len()
            )));
        }
        for (what, n) in [
            ("goals", s.goals.len()),
            ("hints", s.hints.len()),
            ("solution edits", s.solution.len()),
            ("palette entries", s.palette.len()),
        ] {
            if n > MAX_ITEMS {
                return Err(at(format!("{n} {what}; the limit is {MAX_ITEMS}")));
            }
        }
        match &s.start {
            Start::Example(name) => check_example_name(name).map_err(at)?,
            Start::Inline(p) => {
                crate::project::validate::validate_file(p, &format!("{origin}, step {}", i + 1))?;
            }
            Start::Continue => {}
        }
        for k in &s.palette {
            if !kinds.contains(&k.as_str()) {
                return Err(at(format!(
                    "the palette entry {k:?} is not a layer kind; use one of {}",
                    kinds.join(", ")
                )));
            }
        }
        for g in &s.goals {
            check_goal(g, &kinds).map_err(at)?;
        }
        if !s.goals.is_empty() && s.solution.is_empty() {
            return Err(at(
                "the step has goals but no solution; `lesson verify` needs the edits that reach them"
                    .into(),
            ));
        }
        for e in &s.solution {
            check_edit(e).map_err(at)?;
        }
    }
    Ok(())
}

/// A bundled example is named by its file name alone.
fn check_example_name(name: &str) -> Result<(), String> {
    let plain = !name.is_empty()
        && name.len() <= 100
        && name.ends_with(".ron")
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if plain {
        match super::examples_dir() {
            Some(dir) if !dir.join(name).is_file() => {
                let mut names: Vec<String> = std::fs::read_dir(&dir)
                    .map(|rd| {
                        rd.flatten()
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .filter(|n| n.ends_with(".ron"))
                            .collect()
                    })
                    .unwrap_or_default();
                names.sort();
                Err(format!(
                    "there is no example {name:?}; the examples are {}",
                    names.join(", ")
                ))
            }
            _ => Ok(()),
        }
    } else {
        Err(format!(
            "Example({name:?}) must be a file name in the program's projects/ folder, like \"xor.ron\" (no folders)"
        ))
    }
}

fn finite(v: f64, what: &str) -> Result<(), String> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(format!("{what} is {v}; it must be a finite number"))
    }
}

fn one_of(name: &str, what: &str, names: &[&str]) -> Result<(), String> {
    if names.contains(&name) {
        Ok(())
    } else {
        Err(format!(
            "{what} {name:?} is unknown; use one of {}",
            names.join(", ")
        ))
    }
}

fn check_goal(g: &Goal, kinds: &[&str]) -> Result<(), String> {
    match g {
        Goal::ValAccuracy { at_least } => {
            finite(*at_least, "ValAccuracy")?;
            if !(0.0..=1.0).contains(at_least) {
                return Err(format!(
                    "ValAccuracy(at_least: {at_least}) is a fraction from 0 to 1"
                ));
            }
            Ok(())
        }
        Goal::R2 { at_least } => finite(*at_least, "R2"),
        Goal::ValLoss { at_most } => finite(*at_most, "ValLoss"),
        Goal::Overfits { by_at_least } => finite(*by_at_least, "Overfits"),
        Goal::Generalises { gap_at_most } => finite(*gap_at_most, "Generalises"),
        Goal::L2 { at_least } => finite(f64::from(*at_least), "L2"),
        Goal::LearningRate { at_most } => finite(f64::from(*at_most), "LearningRate"),
        Goal::Uses(k) | Goal::Avoids(k) => one_of(k, "the layer kind", kinds),
        Goal::Optimizer(o) => one_of(o, "the optimizer", &OPTIMIZER_NAMES),
        Goal::Beats { winner, loser } => {
            one_of(winner, "the optimizer", &OPTIMIZER_NAMES)?;
            one_of(loser, "the optimizer", &OPTIMIZER_NAMES)
        }
        Goal::Loss(l) => one_of(l, "the loss", &LOSS_NAMES),
        Goal::Initialiser(i) => one_of(i, "the initialiser", &INIT_NAMES),
        Goal::Parameters { .. }
        | Goal::Layers { .. }
        | Goal::Depth { .. }
        | Goal::Diverged
        | Goal::Epochs { .. }
        | Goal::Improved
        | Goal::SampleTraced => Ok(()),
    }
}

fn check_edit(e: &Edit) -> Result<(), String> {
    let layer = |k: &crate::project::layers::LayerFile| {
        crate::project::validate::check_layer(&LayerSpec::from(k))
    };
    match e {
        Edit::LearningRate(v) if !(v.is_finite() && *v > 0.0) => {
            Err(format!("LearningRate({v}) must be a positive number"))
        }
        Edit::L2(v) | Edit::Noise(v) if !(v.is_finite() && *v >= 0.0) => {
            Err(format!("{e:?} must be a finite number ≥ 0"))
        }
        Edit::Epochs(0) | Edit::BatchSize(0) | Edit::Samples(0) => {
            Err(format!("{e:?} must be at least 1"))
        }
        Edit::Epochs(n) if *n > 10_000 => Err(format!("Epochs({n}): at most 10000")),
        Edit::Samples(n) if *n > 1_000_000 => Err(format!("Samples({n}): at most 1000000")),
        Edit::Units { units, .. } if *units == 0 || *units > 100_000 => {
            Err(format!("{e:?}: units from 1 to 100000"))
        }
        Edit::Add { kind, .. } | Edit::Replace { kind, .. } => layer(kind),
        _ => Ok(()),
    }
}
