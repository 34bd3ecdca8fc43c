//! Building and editing a network with the mouse and keyboard, through the
//! real window and the real trainer: palette drags, wires, a refused wire,
//! undo/redo, save and reopen.

use std::time::{Duration, Instant};

use egui::{Key, Modifiers, Pos2, Rect};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::model::{LayerSpec, NodeId, Units};
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::run::RunState;

type H = Harness<'static, NeuroglassApp>;

fn harness(app: NeuroglassApp) -> H {
    let mut app = app;
    app.files.native = false;
    // A recovery file left by another program run must not cover the window.
    app.prompts.recovery = None;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h.step();
    h
}

fn frames(h: &mut H, n: usize) {
    for _ in 0..n {
        h.step();
    }
}

/// Presses at `from`, moves in steps to `to`, releases.
fn drag(h: &mut H, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    for i in 1..=6 {
        let t = i as f32 / 6.0;
        h.hover_at(from + (to - from) * t);
        h.step();
    }
    h.drop_at(to);
    frames(h, 3);
}

fn node_rect(h: &H, id: NodeId) -> Rect {
    let app = h.state();
    let pos = app.doc.project.graph.node(id).expect("node exists").pos;
    app.canvas.node_rect(pos)
}

fn node_named(h: &H, name: &str) -> NodeId {
    h.state()
        .doc
        .project
        .graph
        .nodes()
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("no node {name}"))
        .id
}

/// Drags a palette item onto the canvas at `at`; returns the new node.
fn drop_layer(h: &mut H, item: &str, at: Pos2) -> NodeId {
    let before = h.state().doc.project.graph.next_id();
    let from = h.get_by_label(item).rect().center();
    drag(h, from, at);
    let after = h.state().doc.project.graph.next_id();
    assert_eq!(after, before + 1, "dropping {item} adds one node");
    NodeId(before)
}

/// Drags a wire from `from`'s output pin onto `to`.
fn wire(h: &mut H, from: NodeId, to: NodeId) {
    let a = node_rect(h, from).center_bottom();
    let b = node_rect(h, to).center();
    drag(h, a, b);
}

fn choose(h: &mut H, combo_text: &str, item: &str) {
    h.get_by_value(combo_text).click();
    frames(h, 2);
    h.get_by_label(item).click();
    frames(h, 2);
}

fn until(h: &mut H, done: impl Fn(&NeuroglassApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "timed out in {:?}",
            h.state().run.state
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn build_xor_from_an_empty_canvas_and_train_it() {
    let mut h = harness(NeuroglassApp::new(None));
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    frames(&mut h, 2);
    assert!(h.state().doc.project.graph.nodes().is_empty());
    let area = h.state().canvas.area;
    let col = area.center().x - 90.0;
    let y = |i: f32| area.top() + 60.0 + i * 90.0;
    let input = drop_layer(&mut h, "Input", Pos2::new(col, y(0.0)));
    let hidden = drop_layer(&mut h, "Dense", Pos2::new(col, y(1.0)));
    let act = drop_layer(&mut h, "Tanh", Pos2::new(col, y(2.0)));
    let out = drop_layer(&mut h, "Dense", Pos2::new(col + 20.0, y(3.0)));
    assert_eq!(h.state().doc.project.graph.nodes().len(), 4);
    wire(&mut h, input, hidden);
    wire(&mut h, hidden, act);
    wire(&mut h, act, out);
    assert_eq!(
        h.state().doc.project.graph.edges().len(),
        3,
        "{:?}",
        h.state().editor.refusal
    );
    // The last Dense gets as many units as the data needs: tick "auto".
    h.get_by_label(&h.state().doc.project.graph.node(out).unwrap().name.clone())
        .click();
    frames(&mut h, 2);
    h.get_by_label("auto").click();
    frames(&mut h, 2);
    let spec = &h.state().doc.project.graph.node(out).unwrap().spec;
    assert!(
        matches!(spec, LayerSpec::Dense(d) if d.units == Units::Auto),
        "{spec:?}"
    );
    // Data: the XOR generator.
    h.get_by_label("Data").click();
    frames(&mut h, 2);
    choose(&mut h, "spiral", "XOR");
    // Loss and optimizer.
    h.get_by_label("Training").click();
    frames(&mut h, 2);
    choose(&mut h, "Cross-entropy", "Binary cross-entropy");
    choose(&mut h, "Adam", "AdamW");
    let t = &h.state().doc.project.training;
    assert_eq!(t.loss.name(), "Binary cross-entropy");
    assert_eq!(t.optimizer.name(), "AdamW");
    assert!(
        !h.state().doc.analysis.has_errors(),
        "{:?}",
        h.state().doc.analysis
    );
    h.get_by_label("Train").click();
    frames(&mut h, 2);
    until(&mut h, |a| matches!(a.run.state, RunState::Finished(_)));
    let e = &h.state().run.history.epochs;
    assert!(e.len() >= 10);
    let (first, last) = (e[0].val_loss, e.last().unwrap().val_loss);
    assert!(last < first / 2.0, "validation loss {first} → {last}");
    assert!(
        e.last().unwrap().val_metric > 0.9,
        "accuracy {}",
        e.last().unwrap().val_metric
    );
    let pts = h.state().views.plots.step_points();
    assert!(pts.len() > 10 && pts.last().unwrap()[1] < pts[0][1]);
}

#[test]
fn a_wire_that_would_make_a_cycle_is_refused_with_the_reason() {
    let mut h = harness(NeuroglassApp::new(None));
    let (out, first) = (node_named(&h, "output"), node_named(&h, "hidden 1"));
    let edges = h.state().doc.project.graph.edges().to_vec();
    wire(&mut h, out, first);
    assert_eq!(h.state().doc.project.graph.edges(), edges.as_slice());
    assert!(h.query_by_label_contains("Wire refused").is_some());
    assert!(
        h.state()
            .editor
            .refusal
            .as_deref()
            .unwrap()
            .contains("cycle")
    );
}

#[test]
fn a_wire_with_the_wrong_shape_is_refused_with_the_fix() {
    let mut h = harness(NeuroglassApp::new(None));
    h.get_by_label("File").click();
    frames(&mut h, 2);
    h.get_by_label_contains("Open example").click();
    frames(&mut h, 2);
    h.get_by_label("mnist_cnn.ron").click();
    frames(&mut h, 3);
    let g = &h.state().doc.project.graph;
    let conv = g
        .nodes()
        .iter()
        .find(|n| matches!(n.spec, LayerSpec::Conv2D(_)))
        .unwrap()
        .id;
    let dense = g
        .nodes()
        .iter()
        .rev()
        .find(|n| matches!(n.spec, LayerSpec::Dense(_)))
        .unwrap()
        .id;
    let edges = g.edges().to_vec();
    wire(&mut h, conv, dense);
    assert_eq!(h.state().doc.project.graph.edges(), edges.as_slice());
    let msg = h.state().editor.refusal.clone().unwrap();
    assert!(msg.contains("Flatten"), "{msg}");
}

#[test]
fn undo_and_redo_every_edit() {
    let mut h = harness(NeuroglassApp::new(None));
    let original = h.state().doc.project.clone();
    let area = h.state().canvas.area;
    let added = drop_layer(&mut h, "Dropout", area.center() + egui::vec2(200.0, 0.0));
    let moved_from = node_rect(&h, added).center();
    drag(&mut h, moved_from, moved_from + egui::vec2(40.0, 30.0));
    let after_move = h.state().doc.project.clone();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    frames(&mut h, 2);
    assert!(
        h.state().doc.project.graph.node(added).is_some(),
        "undo the move only"
    );
    assert_ne!(h.state().doc.project, after_move);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    frames(&mut h, 2);
    assert_eq!(h.state().doc.project, original);
    assert!(!h.state().doc.dirty());
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    frames(&mut h, 2);
    assert_eq!(h.state().doc.project, after_move);
    // Delete with the key, undo brings the node and its place back.
    let at = node_rect(&h, added).center();
    h.hover_at(at);
    h.step();
    h.get_by_label("dropout 1").click();
    frames(&mut h, 2);
    h.key_press(Key::Delete);
    frames(&mut h, 2);
    assert!(h.state().doc.project.graph.node(added).is_none());
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    frames(&mut h, 2);
    assert_eq!(h.state().doc.project, after_move);
}

#[test]
fn save_as_then_reopen_gives_the_same_graph() {
    let dir = std::env::temp_dir().join(format!("ng-ui-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mine.ron");
    let mut h = harness(NeuroglassApp::new(None));
    let area = h.state().canvas.area;
    drop_layer(&mut h, "GELU", area.center() + egui::vec2(220.0, 40.0));
    let edited = h.state().doc.project.clone();
    assert!(h.state().doc.dirty());
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::S);
    frames(&mut h, 2);
    let asked = h.state().files.in_app().map(|(_, name)| name.to_string());
    assert_eq!(
        asked.as_deref(),
        Some("Two_spirals.ron"),
        "the in-app file dialog opens without a dialog service"
    );
    // The name field has the focus: replace the name with a full path.
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.event(egui::Event::Text(path.display().to_string()));
    frames(&mut h, 1);
    h.key_press(Key::Enter);
    frames(&mut h, 3);
    assert!(path.exists(), "{:?}", h.state().message);
    assert!(!h.state().doc.dirty());
    // A fresh window opens the file and shows the same graph.
    let h2 = harness(NeuroglassApp::new(Some(path.clone())));
    assert_eq!(h2.state().doc.project.graph, edited.graph);
    assert_eq!(h2.state().doc.project, edited);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn opening_another_project_asks_about_unsaved_changes() {
    let mut h = harness(NeuroglassApp::new(None));
    let area = h.state().canvas.area;
    drop_layer(&mut h, "ReLU", area.center() + egui::vec2(220.0, 40.0));
    h.get_by_label("File").click();
    frames(&mut h, 2);
    h.get_by_label_contains("Open example").click();
    frames(&mut h, 2);
    h.get_by_label("xor.ron").click();
    frames(&mut h, 2);
    assert_eq!(
        h.state().doc.project.name,
        "Two spirals",
        "nothing lost yet"
    );
    assert!(h.query_by_label_contains("Save your changes?").is_some());
    frames(&mut h, 30);
    h.get_by_label("Cancel").click();
    frames(&mut h, 2);
    assert!(h.state().pending().is_none(), "the question is answered");
    // Asked again, "Don't save" opens the other project.
    h.state_mut()
        .apply(neuroglass::ui::command::Command::OpenBundled("xor.ron"));
    frames(&mut h, 30);
    h.get_by_label("Don't save").click();
    frames(&mut h, 2);
    assert_eq!(h.state().doc.project.name, "XOR");
    assert!(!h.state().doc.dirty());
}

#[test]
fn editing_the_graph_while_training_applies_live_and_asks_to_restart_only_when_it_cannot() {
    let mut app = NeuroglassApp::new(None);
    app.controls.delay_ms = 20;
    let mut h = harness(app);
    h.get_by_label("Train").click();
    frames(&mut h, 2);
    until(&mut h, |a| a.run.history.steps.len() >= 2);
    // Moving a node is not a change to the network.
    let n = node_named(&h, "relu 1");
    let c = node_rect(&h, n).center();
    drag(&mut h, c, c + egui::vec2(30.0, 0.0));
    assert!(!h.state().prompts.restart);
    // Inserting a layer after the selected one (what a double-click in
    // the palette asks for) is; the running network takes it, keeping
    // what it learned (issue #18).
    h.get_by_label("relu 1").click();
    frames(&mut h, 2);
    let before = h.state().doc.project.graph.nodes().len();
    h.state_mut()
        .apply(neuroglass::ui::command::Command::Append(
            LayerSpec::Dropout { rate: 0.1 },
        ));
    frames(&mut h, 2);
    assert_eq!(h.state().doc.project.graph.nodes().len(), before + 1);
    assert!(!h.state().doc.analysis.has_errors());
    until(&mut h, |a| !a.run.edits.applied.is_empty());
    assert!(!h.state().prompts.restart);
    assert_eq!(h.state().run.state, RunState::Training);
    // Data of another shape the running network cannot take: it pauses
    // and asks, saying why.
    h.state_mut().doc.project.data.source =
        neuroglass::model::DataSource::Bundled(neuroglass::model::Bundled::Iris);
    frames(&mut h, 2);
    until(&mut h, |a| a.run.state == RunState::Paused);
    assert!(
        h.query_by_label_contains("The run cannot take this change")
            .is_some()
    );
    assert!(h.query_by_label_contains("another shape").is_some());
    frames(&mut h, 30);
    h.get_by_label("Restart training").click();
    frames(&mut h, 2);
    assert!(!h.state().prompts.restart);
    until(&mut h, |a| a.run.state == RunState::Training);
    h.state_mut().apply(neuroglass::ui::command::Command::Stop);
    frames(&mut h, 2);
}
