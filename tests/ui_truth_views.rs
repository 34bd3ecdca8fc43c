//! Every view shows the current run of the current project, or says
//! plainly that there is none: never a picture, curve or figure of an
//! earlier run or another project (issue 14, items 1, 2, 6, 7, 15). With
//! the real trainer; what is shown is read from the frame's shapes (which
//! textures are painted, where) and from the accessibility tree.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use egui::epaint::{ClippedShape, Shape};
use egui::{Rect, TextureId};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::model::{DataSource, Generator};
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::run::RunState;
use neuroglass::ui::views::ViewTab;

type H = Harness<'static, NeuroglassApp>;

fn harness(example: &'static str) -> H {
    let mut app = NeuroglassApp::new(None);
    app.files.native = false;
    // A recovery file left by another program run must not cover the window.
    app.prompts.recovery = None;
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
            start.elapsed() < Duration::from_secs(180),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn finished(a: &NeuroglassApp) -> bool {
    matches!(a.run.state, RunState::Finished(_))
}

/// Fewer epochs, so runs end quickly.
fn epochs(h: &mut H, n: usize) {
    h.state_mut().doc.project.training.epochs = n;
    h.step();
}

/// The textures painted in the last frame whose name starts with
/// `prefix`, with the clip rectangle each was painted in.
fn painted(h: &H, prefix: &str) -> Vec<(TextureId, Rect)> {
    fn walk(shape: &Shape, clip: Rect, out: &mut Vec<(TextureId, Rect)>) {
        match shape {
            Shape::Vec(v) => v.iter().for_each(|s| walk(s, clip, out)),
            Shape::Mesh(m) => out.push((m.texture_id, clip)),
            Shape::Rect(r) => {
                if let Some(b) = &r.brush {
                    out.push((b.fill_texture_id, clip));
                }
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    for ClippedShape { clip_rect, shape } in &h.output().shapes {
        walk(shape, *clip_rect, &mut all);
    }
    let tex = h.ctx.tex_manager();
    let tex = tex.read();
    all.into_iter()
        .filter(|(id, _)| tex.meta(*id).is_some_and(|m| m.name.starts_with(prefix)))
        .collect()
}

fn painted_ids(h: &H, prefix: &str) -> BTreeSet<TextureId> {
    painted(h, prefix).into_iter().map(|p| p.0).collect()
}

/// Texts painted in the last frame (shapes, not widgets: badges, ticks).
fn painted_texts(h: &H) -> Vec<String> {
    fn walk(shape: &Shape, out: &mut Vec<String>) {
        match shape {
            Shape::Vec(v) => v.iter().for_each(|s| walk(s, out)),
            Shape::Text(t) => out.push(t.galley.text().to_string()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for c in &h.output().shapes {
        walk(&c.shape, &mut out);
    }
    out
}

fn show_tab(h: &mut H, label: &str, tab: ViewTab) {
    // Let the panels settle first: the tab row moves while they do.
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label(label).click();
    h.step();
    assert_eq!(h.state().views.tab, tab);
}

/// Item 1: spiral trained, data switched to circles (same number of
/// samples, same number of steps), trained again: the boundary painted is
/// the new run's, not the spiral's picture kept because the step count
/// matched.
#[test]
fn a_new_run_on_new_data_paints_its_own_boundary() {
    let mut h = harness("spiral.ron");
    epochs(&mut h, 3);
    show_tab(&mut h, "Boundary", ViewTab::Boundary);
    h.state_mut().apply(Command::Train);
    until(&mut h, "the spiral run to end", finished);
    until(&mut h, "its boundary painted", |a| a.run.snapshot.is_some());
    for _ in 0..3 {
        h.step();
    }
    let spiral_step = h.state().run.snapshot.as_ref().unwrap().step;
    let spiral = h.state().run.snapshot.as_ref().unwrap().boundary.clone();
    let spiral_tex = painted_ids(&h, "boundary");
    assert_eq!(spiral_tex.len(), 1, "one boundary picture is painted");

    if let DataSource::Generated { generator, .. } = &mut h.state_mut().doc.project.data.source {
        *generator = Generator::Circles;
    } else {
        panic!("the spiral example generates its data");
    }
    h.step();
    // Watch another view this time; look at the boundary when it is over.
    show_tab(&mut h, "Gradient flow", ViewTab::Gradients);
    h.state_mut().apply(Command::Train);
    until(&mut h, "the circles run to end", finished);
    until(&mut h, "its final snapshot", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| s.step == spiral_step)
    });
    show_tab(&mut h, "Boundary", ViewTab::Boundary);
    let circles = h.state().run.snapshot.as_ref().unwrap().boundary.clone();
    assert_ne!(spiral, circles, "the two runs learned different boundaries");
    let circles_tex = painted_ids(&h, "boundary");
    assert_eq!(circles_tex.len(), 1);
    assert!(
        spiral_tex.is_disjoint(&circles_tex),
        "the boundary painted after the circles run is the spiral run's picture"
    );
    assert_eq!(
        h.state().views.textures.run(),
        Some(h.state().run.id()),
        "textures belong to the current run"
    );
}

/// Item 1: after opening another project, nothing of the old run is drawn:
/// no unit pictures or badges on the canvas, no snapshot, no curve, and
/// the views say there is nothing yet.
#[test]
fn another_project_shows_nothing_of_the_old_run() {
    let mut h = harness("spiral.ron");
    h.state_mut().apply(Command::Step);
    until(&mut h, "a snapshot of the spiral", |a| {
        a.run.snapshot.is_some()
    });
    for _ in 0..3 {
        h.step();
    }
    assert!(
        !painted(&h, "neuron-").is_empty(),
        "the spiral's unit pictures are on the canvas"
    );
    h.state_mut().apply(Command::OpenBundled("xor.ron"));
    for _ in 0..5 {
        h.step();
    }
    let a = h.state();
    assert_eq!(a.doc.project.name, "XOR");
    assert!(a.run.snapshot.is_none(), "the spiral's snapshot is kept");
    assert!(a.run.history.steps.is_empty() && a.run.layer_history.is_empty());
    assert_eq!(a.run.state, RunState::Idle);
    assert!(
        painted(&h, "neuron-").is_empty(),
        "unit pictures of the spiral are painted on the XOR canvas"
    );
    assert!(
        !painted_texts(&h).iter().any(|t| t == "!"),
        "a health badge of the spiral is painted on the XOR canvas"
    );
    show_tab(&mut h, "Neurons", ViewTab::Neurons);
    assert!(
        h.query_by_label_contains("fills in as the network trains")
            .is_some(),
        "the Neurons view says there is nothing yet"
    );
    assert!(painted(&h, "neuron-").is_empty());
}

/// Item 1: the digits gallery does not follow into the MNIST CNN project.
#[test]
fn the_gallery_of_one_project_is_not_shown_in_another() {
    let mut h = harness("digits_mlp.ron");
    show_tab(&mut h, "Gallery", ViewTab::Gallery);
    h.state_mut().apply(Command::Step);
    until(&mut h, "a digits snapshot", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| !s.gallery.is_empty())
    });
    for _ in 0..3 {
        h.step();
    }
    assert!(!painted(&h, "gallery-").is_empty(), "digits in the gallery");
    h.state_mut().apply(Command::OpenBundled("mnist_cnn.ron"));
    for _ in 0..5 {
        h.step();
    }
    assert_eq!(h.state().views.tab, ViewTab::Gallery);
    assert!(
        painted(&h, "gallery-").is_empty(),
        "the digits are painted in the MNIST CNN's gallery"
    );
    assert!(
        h.query_by_label_contains("fills in as the network trains")
            .is_some()
    );
}

/// Item 2: after New the status bar shows no throughput of the old run;
/// a finished run shows none either (only a run being trained has a
/// measured rate).
#[test]
fn samples_per_second_only_for_a_run_under_way() {
    let mut h = harness("xor.ron");
    h.state_mut().apply(Command::Train);
    until(&mut h, "a measured rate", |a| a.run.samples_per_sec > 0.0);
    h.step();
    let training = h.state().run.state == RunState::Training;
    if training {
        assert!(h.query_by_label_contains("samples/s").is_some());
    }
    until(&mut h, "the end of the run", finished);
    h.step();
    assert!(
        h.query_by_label_contains("samples/s").is_none(),
        "a finished run shows the last interval's samples/s"
    );

    h.state_mut().apply(Command::Train);
    until(&mut h, "a measured rate", |a| a.run.samples_per_sec > 0.0);
    h.state_mut().apply(Command::New);
    for _ in 0..3 {
        h.step();
    }
    assert!(h.state().run.samples_per_sec == 0.0);
    assert!(
        h.query_by_label_contains("samples/s").is_none(),
        "after New the status bar still shows the old run's samples/s"
    );
    assert!(h.query_by_label_contains("val acc").is_none());
}

/// Item 2: the per-step loss curve of a new run starts empty, even when
/// the run started while another tab was shown.
#[test]
fn the_step_curve_of_a_new_run_starts_empty() {
    let mut h = harness("xor.ron");
    epochs(&mut h, 4);
    h.state_mut().apply(Command::Train);
    until(&mut h, "the first run to end", finished);
    h.step();
    let first: Vec<[f64; 2]> = h.state().views.plots.step_points();
    assert!(first.len() > 20, "the first run's curve is drawn");
    show_tab(&mut h, "Boundary", ViewTab::Boundary);
    // A second run, stepped a few batches only.
    h.state_mut().apply(Command::Step);
    until(&mut h, "the second run's first step", |a| {
        a.run.state == RunState::Paused && !a.run.history.steps.is_empty()
    });
    for _ in 0..3 {
        h.step();
    }
    let steps = h.state().run.history.steps.len();
    let pts = h.state().views.plots.step_points();
    assert_eq!(steps, 1);
    assert!(
        pts.len() <= steps,
        "the new run's curve has {} points for {steps} steps: the old run's",
        pts.len()
    );
    show_tab(&mut h, "Curves", ViewTab::Curves);
    assert!(h.state().views.plots.step_points().len() <= 1);
    h.state_mut().apply(Command::Stop);
    h.step();
}

/// Item 7: an off-diagonal confusion cell of 2-D data rings its samples on
/// the decision boundary (XOR has no images for a gallery and no
/// convolution).
#[test]
fn a_confusion_cell_of_xor_rings_its_samples_on_the_boundary() {
    let mut h = harness("xor.ron");
    show_tab(&mut h, "Confusion", ViewTab::Confusion);
    h.state_mut().apply(Command::Step);
    until(&mut h, "a confusion matrix", |a| {
        a.run
            .snapshot
            .as_ref()
            .is_some_and(|s| s.confusion.is_some())
    });
    h.step();
    h.get_by_label("cell true 0 predicted 1").click();
    for _ in 0..3 {
        h.step();
    }
    assert_eq!(h.state().views.cell, Some((0, 1)));
    assert_eq!(
        h.state().views.tab,
        ViewTab::Boundary,
        "the cell's samples are not shown on the boundary"
    );
    assert!(
        h.query_by_label_contains("only true 0 predicted 1")
            .is_some()
    );
    h.get_by_label("show all").click();
    h.step();
    assert_eq!(h.state().views.cell, None);
    h.state_mut().apply(Command::Stop);
    h.step();
}

/// Item 1: a run that ends leaves the views with its last step, and a
/// restart while a run is under way is not mistaken for the end of it.
#[test]
fn a_fast_rerun_ends_with_its_own_final_views() {
    let mut h = harness("xor.ron");
    epochs(&mut h, 5);
    show_tab(&mut h, "Boundary", ViewTab::Boundary);
    h.state_mut().apply(Command::Train);
    h.step();
    // Train again at once: the first run is replaced before it has said much.
    h.state_mut().apply(Command::Train);
    h.step();
    until(&mut h, "the second run to end", finished);
    assert_eq!(
        h.state().run.state,
        RunState::Finished(neuroglass::trainer::FinishReason::Completed),
        "the replaced run's end was taken for this run's"
    );
    until(&mut h, "the final snapshot", |a| {
        let last = a.run.history.steps.last().map(|p| p.step);
        a.run.snapshot.as_ref().map(|s| s.step) == last
    });
    h.step();
    let steps = &h.state().run.history.steps;
    assert!(
        steps.windows(2).all(|w| w[1].step > w[0].step),
        "the history mixes two runs"
    );
    assert_eq!(h.state().run.history.epochs.len(), 5);
    assert!(h.query_by_label_contains("fills in").is_none());
    assert_eq!(painted_ids(&h, "boundary").len(), 1);
}

/// Item 6: unit pictures on a zoomed canvas are clipped to the canvas.
#[test]
fn canvas_unit_pictures_stay_inside_the_canvas() {
    let mut h = harness("spiral.ron");
    h.state_mut().apply(Command::Step);
    until(&mut h, "a snapshot", |a| a.run.snapshot.is_some());
    h.step();
    // Zoom in far: the pictures beside the lower nodes reach the views.
    // Zoomed about the canvas's centre, so the middle layers stay in view.
    let (area, zoom) = (h.state().canvas.area, h.state().canvas.view.zoom);
    h.state_mut()
        .canvas
        .view
        .zoom_at(area, area.center(), 2.5 / zoom);
    for _ in 0..3 {
        h.step();
    }
    let area = h.state().canvas.area;
    let pics = painted(&h, "neuron-");
    assert!(!pics.is_empty(), "unit pictures are painted");
    for (_, clip) in pics {
        assert!(
            area.expand(0.5).contains_rect(clip),
            "a unit picture clipped to {clip:?} may cover more than the canvas {area:?}"
        );
    }
    h.state_mut().apply(Command::Stop);
    h.step();
}

/// Item 15: numbers never read as zero, in the weights view.
#[test]
fn the_weights_view_shows_small_numbers_with_significant_digits() {
    let mut h = harness("spiral.ron");
    show_tab(&mut h, "Weights", ViewTab::Layers);
    h.state_mut().apply(Command::Step);
    until(&mut h, "a snapshot", |a| a.run.snapshot.is_some());
    for _ in 0..3 {
        h.step();
    }
    let zeros: Vec<String> = h
        .query_all_by_label_contains("0.000")
        .map(|n| format!("{n:?}"))
        .collect();
    assert!(zeros.is_empty(), "statistics read as zero: {zeros:?}");
    assert!(h.query_all_by_label_contains(" ± ").count() >= 3);
    h.state_mut().apply(Command::Stop);
    h.step();
}

/// Item 15: with 50 epochs in a narrow plot, the epoch axis is labelled
/// at several ticks, not only at 0.
#[test]
fn epoch_axes_have_several_labelled_ticks() {
    let mut h = harness("xor.ron");
    epochs(&mut h, 50);
    h.state_mut().apply(Command::Train);
    until(&mut h, "50 epochs", finished);
    for _ in 0..3 {
        h.step();
    }
    let texts = painted_texts(&h);
    let numbers: BTreeSet<i64> = texts
        .iter()
        .filter_map(|t| t.parse::<i64>().ok())
        .filter(|n| *n > 0 && n % 10 == 0 && *n <= 50)
        .collect();
    assert!(
        numbers.len() >= 2,
        "epoch ticks labelled: {numbers:?} (all texts: {texts:?})"
    );
}
