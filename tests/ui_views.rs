//! The glass-box views fill in and change while the real trainer runs.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::views::ViewTab;

type H = Harness<'static, NeuroglassApp>;

fn harness(example: &'static str) -> H {
    let mut app = NeuroglassApp::new(None);
    app.files.native = false;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h.state_mut().apply(Command::OpenBundled(example));
    h.step();
    h
}

fn until(h: &mut H, what: &str, done: impl Fn(&NeuroglassApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_spiral_boundary_and_unit_pictures_change_while_it_learns() {
    let mut h = harness("spiral.ron");
    h.step();
    h.get_by_label("Boundary").click();
    h.step();
    assert_eq!(h.state().views.tab, ViewTab::Boundary);
    h.state_mut().apply(Command::Step);
    until(&mut h, "a first snapshot", |a| a.run.snapshot.is_some());
    let first = h.state().run.snapshot.clone().unwrap();
    let b0 = first.boundary.clone().expect("2-D data has a boundary");
    assert_eq!(b0.class.len(), 100 * 100);
    assert!(!first.neurons.is_empty(), "hidden units over the plane");
    h.state_mut().apply(Command::Resume);
    until(&mut h, "later snapshots", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| s.step > first.step + 500)
    });
    let later = h.state().run.snapshot.clone().unwrap();
    let changed = later
        .boundary
        .as_ref()
        .unwrap()
        .class
        .iter()
        .zip(&b0.class)
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed > 100, "the boundary moved in {changed} cells");
    assert!(
        h.state().run.layer_history.len() >= 2,
        "the heat strips grow"
    );
    // The views draw without trouble while training.
    for tab in ["Neurons", "Weights", "Gradient flow", "Curves"] {
        h.get_by_label(tab).click();
        h.step();
        h.step();
    }
}

#[test]
fn deep_sigmoids_show_vanishing_gradients_with_a_badge() {
    let mut h = harness("deep_sigmoid.ron");
    h.state_mut().apply(Command::Train);
    until(&mut h, "a snapshot after some training", |a| {
        a.run.snapshot.as_ref().is_some_and(|s| s.step >= 50)
    });
    let snap = h.state().run.snapshot.clone().unwrap();
    let big = neuroglass::ui::views::layers::largest_grad(&snap.layers);
    let with: Vec<_> = snap.layers.iter().filter(|l| l.weights.is_some()).collect();
    assert!(
        with.first().unwrap().grad_norm < with.last().unwrap().grad_norm / 100.0,
        "first layers learn least"
    );
    assert!(
        with.iter()
            .any(|l| neuroglass::ui::views::layers::health(l, big)
                .is_some_and(|(w, _)| w.contains("vanishing"))),
        "some layer is flagged"
    );
    h.state_mut().apply(Command::Stop);
    h.step();
}

#[test]
fn digits_confusion_matrix_fills_and_a_cell_opens_the_gallery() {
    let mut h = harness("digits_mlp.ron");
    h.step();
    h.get_by_label("Confusion").click();
    h.step();
    assert_eq!(h.state().views.tab, ViewTab::Confusion);
    h.state_mut().apply(Command::Train);
    until(&mut h, "a confusion matrix after an epoch", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| s.confusion.is_some() && s.epoch >= 1)
    });
    let snap = h.state().run.snapshot.clone().unwrap();
    let m = snap.confusion.unwrap();
    assert_eq!(m.len(), 10);
    let total: u32 = m.iter().flatten().sum();
    assert!(total > 300, "{total} validation samples counted");
    assert_eq!(snap.gallery.len(), 48);
    h.state_mut().apply(Command::Stop);
    h.step();
    h.step();
    // Click the cell of true 3 predicted 3: the gallery shows only those.
    h.get_by_label("cell true 3 predicted 3").click();
    h.step();
    h.step();
    assert_eq!(h.state().views.tab, ViewTab::Gallery);
    assert_eq!(h.state().views.cell, Some((3, 3)));
    assert!(
        h.query_by_label_contains("only true 3 predicted 3")
            .is_some()
    );
}

#[test]
fn a_chosen_validation_image_gets_its_feature_maps() {
    let mut h = harness("mnist_cnn.ron");
    h.state_mut().apply(Command::Step);
    until(&mut h, "a first snapshot", |a| a.run.snapshot.is_some());
    let first = h.state().run.snapshot.clone().unwrap();
    assert!(!first.filters.is_empty(), "conv filters");
    assert!(
        first.feature_maps.len() >= 5,
        "input and the spatial layers"
    );
    // What clicking a gallery image asks for.
    h.state_mut().views.feature_sample = Some(7);
    h.step();
    assert_eq!(h.state().views.tab, ViewTab::Convolution);
    until(&mut h, "the maps of row 7", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| s.feature_sample == Some(7))
    });
    h.state_mut().apply(Command::Stop);
    h.step();
}
