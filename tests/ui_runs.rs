//! Recorded runs in the window, driven like a user: runs are listed in the
//! Runs tab and overlaid on the Curves view; the timeline shows the views
//! as at a checkpoint (the same pictures a recompute from that checkpoint
//! gives); "Continue from here" records a child run.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::model::OptimizerSpec;
use neuroglass::trainer::replay::Replay;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::run::RunState;

type H = Harness<'static, NeuroglassApp>;

/// A copy of the XOR example in a folder of its own, trained for `epochs`.
fn app_with_xor(tag: &str, epochs: usize) -> (H, PathBuf) {
    let dir = std::env::temp_dir().join(format!("ng-ui-runs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("xor.ron");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron");
    let mut p = neuroglass::project::load(&src).unwrap();
    p.training.epochs = epochs;
    neuroglass::project::save(&p, &path).unwrap();
    let mut app = NeuroglassApp::new(Some(path));
    app.prompts.recovery = None;
    let h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    (h, dir)
}

/// Steps frames until `done` or a minute passes.
fn until(h: &mut H, what: &str, done: impl Fn(&NeuroglassApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what} in state {:?}",
            h.state().run.state
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn train_to_end(h: &mut H, runs_before: usize) {
    h.get_by_label("Train").click();
    h.step();
    until(h, "the run's end", |a| {
        matches!(a.run.state, RunState::Finished(_))
    });
    until(h, "the listing", |a| {
        a.runs.entries.len() == runs_before + 1
    });
}

#[test]
fn two_runs_overlaid_in_curves_with_a_legend_naming_both() {
    let (mut h, dir) = app_with_xor("overlay", 3);
    h.step();
    train_to_end(&mut h, 0);
    h.state_mut().doc.project.training.optimizer = OptimizerSpec::sgd();
    h.step();
    train_to_end(&mut h, 1);
    // Recorded beside the file.
    let runs: Vec<_> = std::fs::read_dir(dir.join("xor.runs")).unwrap().collect();
    assert_eq!(runs.len(), 2);
    h.get_by_label("Runs").click();
    h.step();
    // The second run says what changed against the first.
    assert!(
        h.query_by_label_contains("changed: optimizer Adam → SGD")
            .is_some()
    );
    h.get_by_label("run 1").click();
    h.step();
    h.get_by_label("run 2").click();
    h.step();
    until(&mut h, "the overlaid steps", |a| {
        !a.runs.busy() && a.runs.shown.len() == 2
    });
    h.step();
    h.step();
    for name in ["run 1 · Adam", "run 2 · SGD"] {
        assert!(
            h.query_by_role_and_label(Role::CheckBox, name).is_some(),
            "a legend entry for {name}"
        );
    }
    let lines = {
        let a = h.state_mut();
        let (entries, shown) = (a.runs.entries.clone(), a.runs.shown.clone());
        a.runs.overlay.lines(&entries, &shown, 0.0, false)
    };
    assert_eq!(lines.len(), 2);
    for l in &lines {
        assert_eq!(l.val_loss.len(), 3, "three epochs of {}", l.name);
        assert!(!l.steps.is_empty(), "step losses of {}", l.name);
    }
    assert_ne!(lines[0].colour, lines[1].colour);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn scrubbing_shows_the_checkpoints_boundary_and_unit_pictures() {
    let (mut h, dir) = app_with_xor("scrub", 4);
    h.step();
    train_to_end(&mut h, 0);
    let live = h.state().run.snapshot.clone().expect("a live snapshot");
    h.get_by_label("Runs").click();
    h.step();
    h.get_by_label("Timeline").click();
    h.step();
    until(&mut h, "the last checkpoint's views", |a| {
        a.runs.timeline.shown.is_some()
    });
    // Back to step 1 with the ← key, as a user scrubs.
    let steps = h.state().runs.timeline.steps();
    assert_eq!(&steps[..3], &[0, 1, 2], "{steps:?}");
    let mut presses = 0;
    while h.state().runs.timeline.index > 1 {
        h.key_press(egui::Key::ArrowLeft);
        h.step();
        presses += 1;
        assert!(presses < 200);
    }
    until(&mut h, "step 1's views", |a| {
        a.runs.timeline.shown.as_ref().is_some_and(|s| s.step == 1) && !a.runs.timeline.busy()
    });
    h.get_by_label("Boundary").click();
    h.step();
    h.step();
    // The view names the run and the step.
    assert!(
        h.query_by_label_contains("run 1 · step 1 · epoch 1")
            .is_some()
    );
    let app = h.state();
    let shown = app.runs.timeline.shown.as_ref().unwrap();
    let snap = shown.view.snapshot.as_ref().unwrap();
    assert_eq!(snap.step, 1);
    // A recompute from that checkpoint gives the same pictures.
    let record = app.runs.entries[0].record.clone();
    let mut replay = Replay::open(record).unwrap();
    let again = replay.snapshot_at(1).unwrap();
    let (b, b2) = (
        snap.boundary.as_ref().unwrap(),
        again.boundary.as_ref().unwrap(),
    );
    assert_eq!(b.class, b2.class);
    assert_eq!(b.confidence, b2.confidence);
    assert!(!snap.neurons.is_empty());
    for (n, n2) in snap.neurons.iter().zip(&again.neurons) {
        assert_eq!(n.node, n2.node);
        assert_eq!(n.maps, n2.maps);
    }
    // And they are not the trained network's.
    let lb = live.boundary.as_ref().unwrap();
    assert_ne!(b.confidence, lb.confidence);
    assert_ne!(snap.neurons[0].maps, live.neurons[0].maps);
    // The view shown is never the live run's identity.
    assert!(shown.view.id().is_replay());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn continue_from_here_records_a_child_of_the_run() {
    let (mut h, dir) = app_with_xor("child", 2);
    h.step();
    train_to_end(&mut h, 0);
    let parent = h.state().runs.entries[0].id().to_string();
    h.get_by_label("Runs").click();
    h.step();
    h.get_by_label("Timeline").click();
    h.step();
    until(&mut h, "the checkpoint's views", |a| {
        a.runs.timeline.shown.is_some()
    });
    h.key_press(egui::Key::ArrowLeft);
    h.step();
    let step = h.state().runs.timeline.step().unwrap();
    h.get_by_label("Continue from here").click();
    h.step();
    assert!(!h.state().runs.timeline.is_open(), "back to the live run");
    until(&mut h, "the child's end", |a| {
        matches!(a.run.state, RunState::Finished(_))
    });
    until(&mut h, "the listing", |a| a.runs.entries.len() == 2);
    let child = &h.state().runs.entries[1].record;
    let p = child.file.parent.as_ref().expect("a parent in run.ron");
    assert_eq!((p.run.as_str(), p.step), (parent.as_str(), step));
    let text = std::fs::read_to_string(child.dir.join("run.ron")).unwrap();
    assert!(text.contains(&parent), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn same_start_repeats_a_run_exactly_and_diff_names_the_change() {
    let (mut h, dir) = app_with_xor("same", 2);
    h.step();
    train_to_end(&mut h, 0);
    // A different seed in the document: "Same start" uses the run's.
    h.state_mut().doc.project.training.seed += 17;
    h.step();
    h.get_by_label("Runs").click();
    h.step();
    h.get_by_label("Same start").click();
    h.step();
    until(&mut h, "the second run's end", |a| {
        matches!(a.run.state, RunState::Finished(_))
    });
    until(&mut h, "the listing", |a| a.runs.entries.len() == 2);
    let app = h.state();
    let (a, b) = (&app.runs.entries[0].record, &app.runs.entries[1].record);
    assert_eq!(a.file.seed, b.file.seed);
    let (sa, sb) = (a.steps().unwrap(), b.steps().unwrap());
    assert!(!sa.is_empty());
    assert_eq!(sa, sb, "same weights, same data order: the same losses");
    // The design diff of two runs, in words and for the canvas.
    let ia = a.id().to_string();
    h.state_mut().doc.project.training.learning_rate = 0.5;
    h.step();
    train_to_end(&mut h, 2);
    let c = h.state().runs.entries[2].id().to_string();
    h.state_mut().apply(neuroglass::ui::command::Command::Runs(
        neuroglass::ui::runs::RunsAction::Compare(ia.clone(), c),
    ));
    h.step();
    let cmp = h.state().runs.comparison.clone().expect("a comparison");
    assert!(
        cmp.changes
            .iter()
            .any(|ch| ch.path == "training.learning_rate"),
        "{:?}",
        cmp.changes
    );
    // In the comparison and in the third run's "changed:" line.
    assert!(
        h.query_all_by_label_contains("learning rate 0.03 → 0.5")
            .count()
            >= 2
    );
    h.get_by_label("show on the canvas").click();
    h.step();
    assert!(h.state().runs.canvas_diff().is_some());
    let _ = std::fs::remove_dir_all(dir);
}
