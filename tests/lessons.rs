//! Issue 19: lesson files — the bundled lessons load, cover the fourteen
//! concepts and verify (goals fail at the start, hold after the solution);
//! hostile lesson files are refused like hostile projects; goals and edits
//! do what they say; `lesson check`; `data --csv`.

use std::path::{Path, PathBuf};
use std::process::Command;

use neuroglass::lesson::edit::{Edit, apply};
use neuroglass::lesson::goal::{Facts, Goal, RunSummary, depth, met, weight_layers};
use neuroglass::lesson::{Concept, LessonError, bundled_lessons, load, parse};
use neuroglass::model::analyze;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_neuroglass"));
    c.env("NEUROGLASS_DATA_DIR", scratch("data"));
    c
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("neuroglass-lessons-{}", std::process::id()))
        .join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn example(name: &str) -> neuroglass::model::Project {
    neuroglass::project::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("projects")
            .join(name),
    )
    .unwrap()
}

const MINIMAL: &str = r#"(
    version: 1,
    title: "Minimal",
    minutes: 5,
    concepts: [backprop],
    steps: [(
        title: "One",
        text: "Train it.",
        start: Example("xor.ron"),
        goals: [Epochs(at_least: 1)],
        solution: [Train],
    )],
)"#;

#[test]
fn bundled_lessons_load_and_cover_every_concept() {
    let files = bundled_lessons();
    assert!(files.len() >= 14, "{} lessons", files.len());
    let mut covered = std::collections::BTreeSet::new();
    for f in &files {
        let l = load(f).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            (5..=15).contains(&l.minutes),
            "{}: {} minutes",
            f.display(),
            l.minutes
        );
        assert!(
            l.steps.iter().any(|s| !s.goals.is_empty()),
            "{} has no goals",
            f.display()
        );
        covered.extend(l.concepts.iter().copied());
        let out = bin().args(["lesson", "check"]).arg(f).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    for c in Concept::ALL {
        assert!(covered.contains(&c), "no lesson teaches {}", c.key());
    }
}

/// Every bundled lesson verifies: for each step with goals one JSON line
/// with the contract's keys, goals failing at the start and met after the
/// solution, each lesson in under a minute.
#[test]
fn every_bundled_lesson_verifies() {
    for f in bundled_lessons() {
        let started = std::time::Instant::now();
        let out = bin()
            .args(["lesson", "verify", "--json"])
            .arg(&f)
            .output()
            .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}:\n{stdout}\n{stderr}",
            f.display()
        );
        let lines: Vec<serde_json::Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let lesson = load(&f).unwrap();
        let with_goals = lesson.steps.iter().filter(|s| !s.goals.is_empty()).count();
        assert_eq!(lines.len(), with_goals, "{stdout}");
        for v in &lines {
            let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            for k in [
                "lesson",
                "step",
                "concepts",
                "start_fails",
                "solution_passes",
                "seconds",
            ] {
                assert!(keys.contains(&k), "{k} missing in {v}");
            }
            assert_eq!(keys.len(), 6, "{v}");
            assert_eq!(v["start_fails"], true, "{v}");
            assert_eq!(v["solution_passes"], true, "{v}");
        }
        assert!(
            seconds < 60.0,
            "{} took {seconds:.1} s to verify",
            f.display()
        );
        eprintln!("{}: verified in {seconds:.1} s", f.display());
    }
}

#[test]
fn verify_fails_a_lesson_whose_goals_hold_at_the_start_or_never() {
    // Met at the start: the project already uses Dense.
    let met_at_start = MINIMAL.replace("goals: [Epochs(at_least: 1)]", "goals: [Uses(\"Dense\")]");
    // Never met: the solution does not reach the goal.
    let never = MINIMAL.replace("goals: [Epochs(at_least: 1)]", "goals: [Uses(\"LSTM\")]");
    let dir = scratch("verify");
    for (name, text, start, solved) in [
        ("met.ron", met_at_start, false, true),
        ("never.ron", never, true, false),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let out = bin()
            .args(["lesson", "verify", "--json"])
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let v: serde_json::Value =
            serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
        assert_eq!(v["start_fails"], start, "{v}");
        assert_eq!(v["solution_passes"], solved, "{v}");
        assert_eq!(v["concepts"], serde_json::json!(["backprop"]));
        assert_eq!(v["step"], 1);
    }
}

fn refused(text: &str) -> String {
    match parse(text, "test.ron") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn hostile_lesson_texts_are_refused_with_a_reason() {
    assert!(parse(MINIMAL, "ok.ron").is_ok());
    let deep = format!(
        "(version: 1, title: \"x\", minutes: 5, concepts: [cnn], steps: {}{})",
        "[".repeat(500),
        "]".repeat(500)
    );
    assert!(refused(&deep).contains("nest deeper"), "{}", refused(&deep));
    assert!(refused("").contains("empty"));
    assert!(refused("(title: \"x\")").contains("no `version`"));
    assert!(refused(&MINIMAL.replace("version: 1", "version: 9")).contains("newer"));
    assert!(refused(&MINIMAL.replace("[backprop]", "[alchemy]")).contains("alchemy"));
    assert!(refused(&MINIMAL.replace("[backprop]", "[]")).contains("concepts"));
    assert!(refused(&MINIMAL.replace("[backprop]", "[cnn, cnn]")).contains("twice"));
    assert!(refused(&MINIMAL.replace("minutes: 5", "minutes: 0")).contains("minutes"));
    assert!(
        refused(&MINIMAL.replace("Example(\"xor.ron\")", "Example(\"../../etc/passwd\")"))
            .contains("file name")
    );
    assert!(refused(&MINIMAL.replace("start: Example(\"xor.ron\"),", "")).contains("Continue"));
    assert!(
        refused(&MINIMAL.replace("Example(\"xor.ron\")", "Example(\"nope.ron\")"))
            .contains("there is no example \"nope.ron\"")
    );
    assert!(
        refused(&MINIMAL.replace("Epochs(at_least: 1)", "Uses(\"Transformer\")"))
            .contains("Transformer")
    );
    assert!(
        refused(&MINIMAL.replace("Epochs(at_least: 1)", "Optimizer(\"Lion\")")).contains("Lion")
    );
    assert!(
        refused(&MINIMAL.replace("Epochs(at_least: 1)", "ValAccuracy(at_least: 90.0)"))
            .contains("fraction")
    );
    assert!(refused(&MINIMAL.replace("solution: [Train],", "")).contains("no solution"));
    assert!(
        refused(&MINIMAL.replace("solution: [Train]", "solution: [LearningRate(-1.0)]"))
            .contains("positive")
    );
    assert!(
        refused(&MINIMAL.replace("title: \"One\",", "title: \"One\", colour: 3,"))
            .contains("colour")
    );
    assert!(refused("(version: 1, \0)").contains("not a text file"));
    // An inline project goes through the project's own checks.
    let inline = MINIMAL.replace(
        "Example(\"xor.ron\")",
        "Inline((version: 1, graph: (nodes: [(id: 0, kind: Input), (id: 0, kind: Input)], edges: [], next_id: 1)))",
    );
    assert!(
        refused(&inline).contains("two layers have the id 0"),
        "{}",
        refused(&inline)
    );
    let big = format!("{MINIMAL}//{}", "x".repeat(2 << 20));
    assert!(refused(&big).contains("limit"));
}

#[test]
fn hostile_lesson_files_are_refused() {
    let dir = scratch("hostile");
    assert!(matches!(load(&dir), Err(LessonError::File(_))));
    let bin_file = dir.join("binary.ron");
    std::fs::write(&bin_file, [0u8, 159, 146, 150]).unwrap();
    assert!(
        load(&bin_file)
            .unwrap_err()
            .to_string()
            .contains("not a text file")
    );
    let fifo = dir.join("fifo.ron");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let e = load(&fifo).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
    let out = bin()
        .args(["lesson", "check"])
        .arg(&bin_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a text file"));
}

fn run(val_metric: f64, val_loss: f64, optimizer: &str) -> RunSummary {
    RunSummary {
        epochs: 10,
        diverged: false,
        optimizer: optimizer.into(),
        train_loss: val_loss,
        val_loss,
        train_metric: val_metric,
        val_metric,
        classification: true,
    }
}

#[test]
fn goals_are_checked_against_the_project_and_its_runs() {
    let p = example("xor.ron");
    let a = analyze(
        &p.graph,
        neuroglass::model::data_info(&p.data).as_ref(),
        &p.training,
    );
    let check = |g: &Goal, runs: &[RunSummary], traced: bool| {
        met(
            g,
            &Facts {
                project: &p,
                analysis: &a,
                runs,
                traced,
            },
        )
    };
    let acc = Goal::ValAccuracy { at_least: 0.9 };
    assert!(!check(&acc, &[], false));
    assert!(!check(&acc, &[run(0.89, 0.3, "Adam")], false));
    assert!(check(&acc, &[run(0.91, 0.3, "Adam")], false));
    let mut diverged = run(0.95, 0.1, "Adam");
    diverged.diverged = true;
    assert!(!check(&acc, &[diverged.clone()], false));
    assert!(check(&Goal::Diverged, &[diverged], false));
    assert!(!check(
        &Goal::R2 { at_least: 0.0 },
        &[run(0.95, 0.1, "Adam")],
        false
    ));
    assert!(check(&Goal::Uses("Tanh".into()), &[], false));
    assert!(!check(&Goal::Uses("ReLU".into()), &[], false));
    assert!(check(&Goal::Avoids("ReLU".into()), &[], false));
    assert!(check(&Goal::Optimizer("Adam".into()), &[], false));
    assert!(check(
        &Goal::Loss("Binary cross-entropy".into()),
        &[],
        false
    ));
    assert!(check(&Goal::Initialiser("Default".into()), &[], false));
    assert_eq!(weight_layers(&p), 2);
    assert_eq!(depth(&p), 2);
    assert!(check(&Goal::Layers { at_most: 2 }, &[], false));
    assert!(!check(&Goal::Layers { at_most: 1 }, &[], false));
    // 2·8+8 + 8·1+1 = 33 parameters.
    assert_eq!(a.total_params, 33);
    assert!(check(&Goal::Parameters { at_most: 33 }, &[], false));
    assert!(!check(&Goal::Parameters { at_most: 32 }, &[], false));
    let beats = Goal::Beats {
        winner: "Adam".into(),
        loser: "SGD".into(),
    };
    assert!(!check(&beats, &[run(0.9, 0.2, "Adam")], false));
    assert!(check(
        &beats,
        &[run(0.7, 0.5, "SGD"), run(0.9, 0.2, "Adam")],
        false
    ));
    assert!(!check(
        &beats,
        &[run(0.9, 0.2, "SGD"), run(0.7, 0.5, "Adam")],
        false
    ));
    assert!(!check(&Goal::Improved, &[run(0.9, 0.2, "Adam")], false));
    assert!(check(
        &Goal::Improved,
        &[run(0.7, 0.5, "Adam"), run(0.9, 0.2, "Adam")],
        false
    ));
    let mut gap = run(0.7, 0.5, "Adam");
    gap.train_metric = 1.0;
    assert!(check(
        &Goal::Overfits { by_at_least: 0.25 },
        &[gap.clone()],
        false
    ));
    assert!(!check(
        &Goal::Generalises { gap_at_most: 0.25 },
        &[gap],
        false
    ));
    assert!(!check(&Goal::SampleTraced, &[], false));
    assert!(check(&Goal::SampleTraced, &[], true));
}

#[test]
fn edits_rewire_add_remove_and_replace() {
    let mut p = example("xor.ron");
    apply(&mut p, &Edit::Remove("tanh".into())).unwrap();
    apply(&mut p, &Edit::Remove("hidden".into())).unwrap();
    assert_eq!(p.graph.nodes().len(), 2);
    assert_eq!(p.graph.edges().len(), 1, "input wired to output");
    assert_eq!(depth(&p), 1);
    let dense = neuroglass::project::layers::LayerFile::from(&neuroglass::model::LayerSpec::Dense(
        neuroglass::model::DenseSpec::default(),
    ));
    apply(
        &mut p,
        &Edit::Add {
            after: "input".into(),
            name: "h".into(),
            kind: dense,
        },
    )
    .unwrap();
    assert_eq!(depth(&p), 2);
    assert_eq!(p.graph.edges().len(), 2);
    apply(
        &mut p,
        &Edit::Units {
            layer: "h".into(),
            units: 5,
        },
    )
    .unwrap();
    let e = apply(
        &mut p,
        &Edit::Units {
            layer: "nope".into(),
            units: 5,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("no layer is named `nope`"), "{e}");
    let e = apply(
        &mut p,
        &Edit::Activation {
            layer: "h".into(),
            to: neuroglass::project::layers::ActivationFile::ReLU,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("Dense"), "{e}");
    let info = neuroglass::model::data_info(&p.data);
    let a = analyze(&p.graph, info.as_ref(), &p.training);
    assert!(!a.has_errors(), "{a:?}");
    // 2·5+5 + 5·1+1
    assert_eq!(a.total_params, 21);
}

#[test]
fn data_csv_writes_features_then_target_and_never_overwrites_without_force() {
    let dir = scratch("csv");
    let out_path = dir.join("xor.csv");
    let _ = std::fs::remove_file(&out_path);
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron");
    let out = bin()
        .arg("data")
        .arg(&project)
        .arg("--csv")
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = std::fs::read_to_string(&out_path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert_eq!(header.split(',').count(), 3, "{header}");
    assert!(header.ends_with("target"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 400);
    for r in &rows {
        let cells: Vec<&str> = r.split(',').collect();
        assert_eq!(cells.len(), 3, "{r}");
        cells[0].parse::<f32>().unwrap();
        cells[1].parse::<f32>().unwrap();
    }
    // The same rows the project trains on: read back as a CSV project.
    let again = bin()
        .arg("data")
        .arg(&project)
        .arg("--csv")
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), text);
    let forced = bin()
        .arg("data")
        .arg(&project)
        .arg("--csv")
        .arg(&out_path)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&out_path).unwrap(),
        text,
        "deterministic"
    );
    let regression = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/linear_regression.ron");
    let reg_out = dir.join("line.csv");
    let _ = std::fs::remove_file(&reg_out);
    let out = bin()
        .arg("data")
        .arg(&regression)
        .arg("--csv")
        .arg(&reg_out)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = std::fs::read_to_string(&reg_out).unwrap();
    assert_eq!(text.lines().count(), 201);
    assert!(text.lines().next().unwrap().split(',').count() == 2);
}

/// Every character of every bundled lesson (titles, text, hints, goal
/// lines) has a glyph in the fonts the window loads.
#[test]
fn every_lesson_character_has_a_glyph() {
    use skrifa::MetadataProvider;
    let ctx = egui::Context::default();
    neuroglass::ui::theme::install_fonts(&ctx);
    let mut out = ctx.run_ui(egui::RawInput::default(), |_| {});
    out.textures_delta.clear();
    let defs = ctx.fonts(|f| f.definitions().clone());
    let mut texts = String::new();
    for f in bundled_lessons() {
        let l = load(&f).unwrap();
        texts.push_str(&l.title);
        for s in &l.steps {
            texts.push_str(&s.title);
            texts.push_str(&s.text);
            for h in &s.hints {
                texts.push_str(h);
            }
            for g in &s.goals {
                texts.push_str(&neuroglass::lesson::goal::describe(g));
            }
        }
    }
    assert!(texts.contains('σ') && texts.contains('²') && texts.contains('∂'));
    let mut missing = std::collections::BTreeSet::new();
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        let faces: Vec<_> = defs.families[&family]
            .iter()
            .map(|n| {
                let data = &defs.font_data[n];
                skrifa::FontRef::from_index(&data.font, data.index).unwrap()
            })
            .collect();
        for c in texts
            .chars()
            .filter(|c| !c.is_control() && !c.is_whitespace())
        {
            if !faces.iter().any(|f| f.charmap().map(c).is_some()) {
                missing.insert((c, format!("{family:?}")));
            }
        }
    }
    assert!(missing.is_empty(), "no glyph for {missing:?}");
}
