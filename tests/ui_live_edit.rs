//! Editing the network while it trains, in the window: widening a hidden
//! layer of the spiral mid-run applies live (no restart question) and the
//! loss goes on from where it was.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::model::{DenseSpec, Init, LayerSpec, NodeId, Units};
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::run::RunState;

type H = Harness<'static, NeuroglassApp>;

fn until(h: &mut H, what: &str, done: impl Fn(&NeuroglassApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "timed out waiting for {what} in state {:?}",
            h.state().run.state
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn mean_loss(a: &NeuroglassApp, steps: std::ops::Range<u64>) -> f64 {
    let pts: Vec<f64> = a
        .run
        .history
        .steps
        .iter()
        .filter(|p| steps.contains(&p.step))
        .map(|p| f64::from(p.loss))
        .collect();
    pts.iter().sum::<f64>() / pts.len().max(1) as f64
}

#[test]
fn widening_a_hidden_layer_mid_run_keeps_training_from_the_same_loss() {
    let dir = std::env::temp_dir().join(format!("ng-ui-live-edit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spiral.ron");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("projects/spiral.ron");
    let p = neuroglass::project::load(&src).unwrap();
    neuroglass::project::save(&p, &path).unwrap();
    let mut app = NeuroglassApp::new(Some(path));
    app.prompts.recovery = None;
    // Slow motion (3 ms a batch: at least 9 s for the 3,000 batches), so
    // the run is still going for every edit below on any machine.
    app.controls.delay_ms = 3;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h.get_by_label("Train").click();
    h.step();
    until(&mut h, "300 steps", |a| a.run.history.steps.len() >= 300);
    // Widen "hidden 1" to 48 as the inspector would.
    if let Some(n) = h.state_mut().doc.project.graph.node_mut(NodeId(1)) {
        n.spec = LayerSpec::Dense(DenseSpec {
            units: Units::Fixed(48),
            bias: true,
            init: Init::HeUniform,
        });
    }
    h.step();
    until(&mut h, "the edit applied", |a| {
        !a.run.edits.applied.is_empty()
    });
    let edit = h.state().run.edits.applied[0].clone();
    assert!(
        edit.result.starts_with("function preserved"),
        "{}",
        edit.result
    );
    assert!(!h.state().prompts.restart, "no restart question");
    assert_eq!(h.state().run.state, RunState::Training);
    let at = edit.step;
    until(&mut h, "100 more steps", |a| {
        a.run
            .history
            .steps
            .last()
            .is_some_and(|p| p.step >= at + 100)
    });
    let (before, after) = (
        mean_loss(h.state(), at.saturating_sub(30)..at + 1),
        mean_loss(h.state(), at + 1..at + 31),
    );
    eprintln!("edit after step {at}: mean loss {before} over 30 steps before, {after} after");
    // A network started afresh would be back near ln 2 ≈ 0.69.
    assert!(
        after <= before * 1.25 + 0.02,
        "loss {before} before the edit, {after} after"
    );
    // The window says what happened.
    h.step();
    assert!(
        h.query_by_label_contains("function preserved").is_some(),
        "the edit's result is shown"
    );
    // A change that breaks a connection (a convolution on 2 features)
    // waits: the run trains on, the status line says why.
    let spec = h
        .state()
        .doc
        .project
        .graph
        .node(NodeId(3))
        .unwrap()
        .spec
        .clone();
    if let Some(n) = h.state_mut().doc.project.graph.node_mut(NodeId(3)) {
        n.spec = LayerSpec::Conv2D(Default::default());
    }
    h.step();
    h.step();
    assert!(h.state().doc.analysis.has_errors());
    assert!(
        h.query_by_label_contains("cannot take this change")
            .is_some(),
        "the status line says why"
    );
    assert!(!h.state().prompts.restart);
    assert_eq!(h.state().run.state, RunState::Training);
    assert_eq!(h.state().run.edits.applied.len(), 1);
    // Put back, nothing was sent: the run never saw the broken graph.
    if let Some(n) = h.state_mut().doc.project.graph.node_mut(NodeId(3)) {
        n.spec = spec;
    }
    h.step();
    h.step();
    assert_eq!(h.state().run.edits.applied.len(), 1);
    assert!(h.state().run.edits.refused.is_none());
    // The scenario, second half: a Dense inserted after "relu 1"
    // from the palette starts as wide as its input, as the identity.
    h.get_by_label("relu 1").click();
    h.step();
    h.state_mut()
        .apply(neuroglass::ui::command::Command::Append(LayerSpec::Dense(
            DenseSpec::default(),
        )));
    h.step();
    until(&mut h, "the insertion applied", |a| {
        a.run.edits.applied.len() == 2
    });
    let edit = h.state().run.edits.applied[1].clone();
    assert!(
        edit.result.starts_with("function preserved"),
        "{}: {}",
        edit.what,
        edit.result
    );
    let inserted = h
        .state()
        .doc
        .project
        .graph
        .nodes()
        .iter()
        .find(|n| n.id.0 >= 6)
        .map(|n| n.spec.clone());
    assert_eq!(
        inserted,
        Some(LayerSpec::Dense(DenseSpec {
            units: Units::Fixed(48),
            ..DenseSpec::default()
        }))
    );
    drop(h);
    let _ = std::fs::remove_dir_all(dir);
}
