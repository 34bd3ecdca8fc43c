//! View ▸ Where the time goes: clicked like a user, the canvas's nodes get
//! their share of a training step (measured on a helper thread while the
//! window keeps drawing), and lose it when the view is turned off.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT, Queryable};
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;

type H = Harness<'static, NeuroglassApp>;

/// The labels of the canvas's timing chips.
fn chips(h: &H) -> Vec<String> {
    // Painted text: egui gives a label's text as its accessible value.
    h.query_all(
        By::new()
            .label_contains("% of the training step")
            .include_labels(),
    )
    .filter_map(|n| n.accesskit_node().label().or_else(|| n.value()))
    .collect()
}

#[test]
fn where_the_time_goes_tints_each_layer_with_its_share_of_the_step() {
    let mut app = NeuroglassApp::new(None);
    app.files.native = false;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h.state_mut().apply(Command::OpenBundled("mnist_mlp.ron"));
    h.state_mut().prompts.recovery = None;
    h.run_steps(4);
    assert!(chips(&h).is_empty(), "off until asked for");

    h.get_by_label("View").click();
    h.step();
    h.get_by_label("Where the time goes").click();
    h.step();
    assert!(h.state().panels.timing.on);
    let start = Instant::now();
    while chips(&h).is_empty() {
        if start.elapsed() > Duration::from_secs(120) {
            let app = h.state();
            let shown = app.panels.timing.shown(&app.doc.project);
            panic!("no figures after two minutes: {shown:?}");
        }
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let labels = chips(&h);
    // Every layer of the graph that the engine runs has a chip, named
    // after the graph's node.
    let names: Vec<String> = h
        .state()
        .doc
        .project
        .graph
        .nodes()
        .iter()
        .map(|n| n.name.clone())
        .collect();
    assert!(labels.len() >= names.len() - 1, "{labels:?} for {names:?}");
    let mut total = 0.0;
    for l in &labels {
        let (name, rest) = l.split_once(": ").expect("name: share");
        assert!(names.iter().any(|n| n == name), "{name} is no node");
        let pct: f64 = rest.split(' ').next().unwrap().parse().unwrap();
        assert!((0.0..=100.0).contains(&pct), "{l}");
        total += pct;
    }
    assert!(total > 0.0 && total <= 100.5, "shares add up to {total} %");

    h.get_by_label("View").click();
    h.step();
    h.get_by_label("Where the time goes").click();
    h.step();
    h.step();
    assert!(chips(&h).is_empty(), "the tint goes with the view");
}
