//! The glass-box views fill in and change while the real trainer runs:
//! each test clicks like a user and checks what the window shows — labels
//! and badges through the accessibility tree, pictures through rendered
//! frames (`render_support`).

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{By, Queryable};
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::views::ViewTab;

mod render_support;
use render_support::*;

type H = Harness<'static, NeuroglassApp>;

/// The window on `example`, drawn by the wgpu renderer (so frames can be
/// rendered to pictures).
fn harness(example: &'static str) -> H {
    let mut app = NeuroglassApp::new(None);
    app.files.native = false;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .wgpu()
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h.state_mut().apply(Command::OpenBundled(example));
    // Unsaved work that another run on this machine left behind would be
    // offered in a modal over the window; these tests are not about it.
    h.state_mut().prompts.recovery = None;
    // Let the layout settle (the canvas fits the new graph).
    h.run_steps(4);
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

/// How many texts `label` the window shows (also texts that label
/// another widget, which kittest's label queries leave out).
fn count_label(h: &H, label: &str) -> usize {
    h.query_all(By::new().label(label).include_labels()).count()
}

/// Clicks tab `label` and checks that it is the chosen one.
fn open_tab(h: &mut H, label: &str, tab: ViewTab) {
    h.get_by_label(label).click();
    h.step();
    h.step();
    assert_eq!(h.state().views.tab, tab, "after clicking {label}");
}

/// The names of the layers with weights in the latest snapshot, in order.
fn weighted_layer_names(h: &H) -> Vec<String> {
    let app = h.state();
    let (_, layers) = app.run.layer_history.last().expect("a layer snapshot");
    layers
        .iter()
        .filter(|l| l.weights.is_some())
        .map(|l| neuroglass::ui::views::node_name(&app.doc, l.node))
        .collect()
}

#[test]
fn the_spiral_boundary_and_unit_pictures_change_while_it_learns() {
    let mut h = harness("spiral.ron");
    open_tab(&mut h, "Boundary", ViewTab::Boundary);
    assert!(
        h.query_by_label_contains("fills in as the network trains")
            .is_some(),
        "before training the view says it waits"
    );
    h.state_mut().apply(Command::Step);
    until(&mut h, "a first snapshot", |a| a.run.snapshot.is_some());
    h.step();
    let first = h.state().run.snapshot.clone().unwrap();
    let b0 = first.boundary.clone().expect("2-D data has a boundary");
    assert_eq!(b0.class.len(), 100 * 100);
    assert!(h.query_by_label("discretize output").is_some());
    assert!(h.query_by_label_contains("dots: training").is_some());
    assert!(
        h.query_by_label_contains("fills in as the network trains")
            .is_none()
    );

    open_tab(&mut h, "Neurons", ViewTab::Neurons);
    let neurons_before = render(&mut h);

    h.state_mut().apply(Command::Resume);
    until(&mut h, "later snapshots", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| s.step > first.step + 500)
    });
    h.state_mut().apply(Command::Pause);
    until(&mut h, "the pause", |a| {
        matches!(a.run.state, neuroglass::ui::run::RunState::Paused)
    });
    h.step();
    h.step();
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
    // The unit pictures on screen changed too (the same frame rendered
    // twice is the same, so the difference is the pictures').
    let neurons_after = render(&mut h);
    h.step();
    assert_eq!(neurons_after, render(&mut h), "rendering is repeatable");
    let moved = neurons_before
        .pixels()
        .zip(neurons_after.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!(moved > 2000, "{moved} pixels of the neuron view changed");

    // The weights table: one row per layer with weights (each name shows
    // once more than on the Curves tab; the canvas shows it on both).
    let names = weighted_layer_names(&h);
    assert!(names.len() >= 2, "{names:?}");
    let shown = |h: &H, name: &str| count_label(h, name) + count_label(h, &format!("⚠ {name}"));
    open_tab(&mut h, "Curves", ViewTab::Curves);
    let before: Vec<usize> = names.iter().map(|n| shown(&h, n)).collect();
    open_tab(&mut h, "Weights", ViewTab::Layers);
    assert!(h.query_by_label("weights mean ± std").is_some());
    for (name, b) in names.iter().zip(before) {
        assert_eq!(shown(&h, name), b + 1, "a row for {name}");
    }
    assert!(
        h.state().run.layer_history.len() >= 2,
        "the heat strips grow"
    );
    // Gradient flow: one legend entry per layer with weights.
    open_tab(&mut h, "Gradient flow", ViewTab::Gradients);
    assert!(h.query_by_label("weights mean ± std").is_none());
    for name in &names {
        assert!(
            h.query_by_role_and_label(Role::CheckBox, name).is_some(),
            "a legend entry for {name}"
        );
    }
    open_tab(&mut h, "Curves", ViewTab::Curves);
    assert!(h.query_by_label_contains("double-click a plot").is_some());
    h.state_mut().apply(Command::Stop);
    h.step();
}

#[test]
fn deep_sigmoids_show_vanishing_gradients_with_a_badge() {
    let mut h = harness("deep_sigmoid.ron");
    open_tab(&mut h, "Weights", ViewTab::Layers);
    h.state_mut().apply(Command::Train);
    until(&mut h, "a snapshot after some training", |a| {
        a.run.snapshot.as_ref().is_some_and(|s| s.step >= 50)
    });
    h.state_mut().apply(Command::Stop);
    h.step();
    h.step();
    let snap = h.state().run.snapshot.clone().unwrap();
    let with: Vec<_> = snap.layers.iter().filter(|l| l.weights.is_some()).collect();
    assert!(
        with.first().unwrap().grad_norm < with.last().unwrap().grad_norm / 100.0,
        "first layers learn least"
    );
    // The window flags the first layer with a warning badge, and not the
    // last one.
    let names = weighted_layer_names(&h);
    let (first, last) = (&names[0], &names[names.len() - 1]);
    assert!(
        h.query_by_label(&format!("⚠ {first}")).is_some(),
        "{first} carries a badge"
    );
    assert!(h.query_by_label(&format!("⚠ {last}")).is_none());
    // Its hover text says why.
    h.get_by_label(&format!("⚠ {first}")).hover();
    // Tooltips wait for the pointer to rest.
    h.run_steps(60);
    assert!(
        h.query_by_label_contains("gradients are vanishing")
            .is_some(),
        "the badge explains itself on hover"
    );
}

#[test]
fn digits_confusion_matrix_fills_and_a_cell_opens_the_gallery() {
    let mut h = harness("digits_mlp.ron");
    open_tab(&mut h, "Confusion", ViewTab::Confusion);
    h.state_mut().apply(Command::Train);
    until(&mut h, "a confusion matrix after an epoch", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| s.confusion.is_some() && s.epoch >= 1)
    });
    h.state_mut().apply(Command::Stop);
    // The stopped run's last snapshot is the one the views keep showing.
    until(&mut h, "the run to stop", |a| !a.run.active());
    h.run_steps(5);
    let snap = h.state().run.snapshot.clone().unwrap();
    let m = snap.confusion.clone().unwrap();
    assert_eq!(m.len(), 10);
    let total: u32 = m.iter().flatten().sum();
    assert!(total > 300, "{total} validation samples counted");
    // An image for every kept prediction, so every cell's kept samples can
    // be shown (the gallery used to hold only the first 48: a cell whose
    // samples all came later showed none).
    assert_eq!(snap.gallery.len(), snap.predictions.len());
    assert!(h.query_by_label("recall").is_some() && h.query_by_label("precision").is_some());
    for t in 0..10 {
        assert!(
            h.query_by_label(&format!("cell true {t} predicted {t}"))
                .is_some()
        );
    }
    // Click the cell with the most kept pictures: the gallery shows only
    // those.
    let count = |t: u32, p: u32| {
        snap.predictions
            .iter()
            .filter(|x| x.1 == p && x.2 == t)
            .count()
    };
    // Among the cells a user can reach: in a 1400×860 window the lower
    // rows of the matrix fall below the views panel's edge.
    let status_top = h
        .state()
        .panels
        .views_rect
        .expect("the views were drawn")
        .bottom();
    let reachable = |t: u32, p: u32| {
        h.query_by_label(&format!("cell true {t} predicted {p}"))
            .is_some_and(|n| n.rect().bottom() < status_top)
    };
    let (t, p) = (0..10u32)
        .flat_map(|t| (0..10u32).map(move |p| (t, p)))
        .filter(|&(t, p)| reachable(t, p))
        .max_by_key(|&(t, p)| count(t, p))
        .unwrap();
    let n = count(t, p);
    assert!(n > 0);
    let label = format!("cell true {t} predicted {p}");
    let cell = h.get_by_label(&label);
    let at = cell.rect();
    cell.click();
    h.step();
    h.step();
    assert_eq!(
        h.state().views.tab,
        ViewTab::Gallery,
        "clicked ({t}, {p}) at {at:?}"
    );
    assert_eq!(h.state().views.cell, Some((t, p)));
    assert!(
        h.query_by_label_contains(&format!("only true {t} predicted {p}"))
            .is_some()
    );
    // Every picture on screen is of the cell (the scroll area leaves out
    // those below its edge).
    let shown = h
        .query_all(By::new().label_contains("true ").include_labels())
        .filter(|n| n.value().is_some_and(|v| v.starts_with("true ")))
        .count();
    let of_cell = count_label(&h, &format!("true {t}"));
    assert!(shown > 0 && shown <= n, "{shown} pictures for {n} samples");
    assert_eq!(of_cell, shown, "no other class shows");
}

/// The gallery's pictures are the snapshot's validation images, pixel for
/// pixel: a gallery drawing an older snapshot's (or another run's) images
/// fails here.
#[test]
fn the_gallery_shows_the_snapshots_own_images() {
    let mut h = harness("digits_mlp.ron");
    open_tab(&mut h, "Gallery", ViewTab::Gallery);
    h.state_mut().apply(Command::Train);
    until(&mut h, "a gallery after an epoch", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| !s.gallery.is_empty() && s.epoch >= 1)
    });
    h.state_mut().apply(Command::Stop);
    h.step();
    h.step();
    let snap = h.state().run.snapshot.clone().unwrap();
    let img = render(&mut h);
    let ppp = h.ctx.pixels_per_point();
    // The first row of pictures (lower rows may be cut off by the
    // scroll area).
    let mut rects = image_rects(&h, 56.0);
    assert!(!rects.is_empty());
    let top = rects[0].top();
    rects.retain(|r| r.top() == top);
    assert!(
        rects.len() >= 8,
        "{} gallery pictures in a row",
        rects.len()
    );
    for (k, rect) in rects.iter().enumerate() {
        let want = grey_levels(&snap.gallery[k]);
        let bad = grey_mismatches(&img, *rect, ppp, (8, 8), &want, 3);
        assert_eq!(bad, 0, "picture {k}: {bad} of 64 pixels differ");
        // Another image's pixels would not do.
        let other = grey_levels(&snap.gallery[(k + 1) % snap.gallery.len()]);
        assert!(grey_mismatches(&img, *rect, ppp, (8, 8), &other, 3) > 0);
    }
}

#[test]
fn clicking_a_gallery_image_shows_its_feature_maps() {
    let mut h = harness("mnist_cnn.ron");
    h.state_mut().apply(Command::Step);
    until(&mut h, "a first snapshot", |a| a.run.snapshot.is_some());
    let first = h.state().run.snapshot.clone().unwrap();
    assert!(!first.filters.is_empty(), "conv filters");
    assert!(
        first.feature_maps.len() >= 5,
        "input and the spatial layers"
    );
    open_tab(&mut h, "Gallery", ViewTab::Gallery);
    // The third picture, as a user would click it.
    let rects = image_rects(&h, 56.0);
    assert!(rects.len() >= 3, "{} gallery pictures", rects.len());
    let row = first.predictions[2].0;
    h.hover_at(rects[2].center());
    h.step();
    h.get_all_by_role(Role::Image)
        .find(|n| n.rect() == rects[2])
        .expect("the third picture")
        .click();
    h.step();
    h.step();
    assert_eq!(h.state().views.tab, ViewTab::Convolution);
    until(&mut h, "the maps of the clicked row", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| s.feature_sample == Some(row))
    });
    h.step();
    h.step();
    assert!(
        h.query_by_label(&format!(
            "Feature maps of validation image {row} (the first mistake, if any)"
        ))
        .is_some(),
        "the view names the clicked image"
    );
    h.state_mut().apply(Command::Stop);
    h.step();
}
