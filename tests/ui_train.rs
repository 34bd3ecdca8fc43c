//! The window driven like a user: open an example, press Train, watch the
//! curves fill and the run finish; step one batch at a time.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::run::RunState;

fn harness(mut app: NeuroglassApp) -> Harness<'static, NeuroglassApp> {
    // A recovery file left by another program run must not cover the window.
    app.prompts.recovery = None;
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app)
}

/// Steps frames until `done` or a minute passes.
fn until(h: &mut Harness<'static, NeuroglassApp>, done: impl Fn(&NeuroglassApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out in state {:?}",
            h.state().run.state
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn train_the_spiral_and_see_the_loss_fall() {
    let mut h = harness(NeuroglassApp::new(None));
    h.step();
    assert_eq!(h.state().doc.project.name, "Two spirals");
    h.get_by_label("Train").click();
    h.step();
    until(&mut h, |a| matches!(a.run.state, RunState::Finished(_)));
    let app = h.state();
    let epochs = &app.run.history.epochs;
    assert_eq!(epochs.len(), 200);
    assert!(epochs.last().unwrap().val_loss < epochs[0].val_loss / 4.0);
    assert!(epochs.last().unwrap().val_metric >= 0.95);
    let pts = app.views.plots.step_points();
    assert!(
        !pts.is_empty() && pts.len() <= 2000,
        "{} plotted points",
        pts.len()
    );
    // The status bar says how it ended.
    h.step();
    assert!(h.query_by_label_contains("finished all epochs").is_some());
}

#[test]
fn open_an_example_and_step_one_batch() {
    let mut h = harness(NeuroglassApp::new(None));
    h.step();
    h.get_by_label("File").click();
    h.step();
    h.get_by_label_contains("Open example").click();
    h.step();
    h.get_by_label("xor.ron").click();
    h.step();
    assert_eq!(h.state().doc.project.name, "XOR");
    h.get_by_label("Step").click();
    h.step();
    until(&mut h, |a| {
        a.run.state == RunState::Paused && !a.run.history.steps.is_empty()
    });
    assert_eq!(h.state().run.history.steps.len(), 1);
    h.get_by_label("Step").click();
    h.step();
    until(&mut h, |a| a.run.history.steps.len() == 2);
    h.get_by_label("Resume").click();
    h.step();
    until(&mut h, |a| matches!(a.run.state, RunState::Finished(_)));
}

#[test]
fn a_broken_project_path_shows_a_message_and_the_spiral() {
    let h = harness(NeuroglassApp::new(Some("/nonexistent/p.ron".into())));
    assert!(
        h.state()
            .message
            .as_deref()
            .is_some_and(|m| m.contains("/nonexistent/p.ron"))
    );
    assert_eq!(h.state().doc.project.name, "Two spirals");
}

#[test]
fn every_bundled_example_opens_without_problems() {
    for (name, _) in neuroglass::ui::document::BUNDLED {
        let d = neuroglass::ui::document::Document::bundled(name).unwrap();
        assert!(!d.analysis.has_errors(), "{name}");
        assert!(d.data.is_some(), "{name}");
    }
}

#[test]
fn slow_motion_lets_a_class_watch() {
    let mut app = NeuroglassApp::new(None);
    app.controls.delay_ms = 50;
    let mut h = harness(app);
    h.step();
    h.get_by_label("Train").click();
    h.step();
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let steps = h.state().run.history.steps.len();
    assert!(
        h.state().run.state == RunState::Training,
        "{:?}",
        h.state().run.state
    );
    assert!(
        (2..=12).contains(&steps),
        "{steps} steps in 0.5 s at 50 ms per batch"
    );
}
