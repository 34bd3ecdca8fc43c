//! Issue 19: painting data in the boundary view — clicks add points of
//! the chosen class, a right-click erases, and the next run trains on
//! exactly the painted points.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use egui_plot::PlotPoint;
use neuroglass::model::DataSource;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::run::RunState;
use neuroglass::ui::views::ViewTab;

type H = Harness<'static, NeuroglassApp>;

fn harness() -> H {
    let dir = std::env::temp_dir().join(format!("ng-ui-paint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // SAFETY: the only test of this file sets it before anything reads it.
    unsafe { std::env::set_var("NEUROGLASS_DATA_DIR", &dir) };
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron");
    let mut p = neuroglass::project::load(&src).unwrap();
    p.data.source = DataSource::Painted {
        points: Vec::new(),
        classes: 2,
    };
    p.training.epochs = 80;
    let path = dir.join("painted.ron");
    neuroglass::project::save(&p, &path).unwrap();
    let mut app = NeuroglassApp::new(Some(path));
    app.prompts.recovery = None;
    app.files.native = false;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h
}

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

fn points(h: &H) -> Vec<(f32, f32, u32)> {
    match &h.state().doc.project.data.source {
        DataSource::Painted { points, .. } => points.clone(),
        other => panic!("the data is {other:?}"),
    }
}

fn screen(h: &H, x: f64, y: f64) -> egui::Pos2 {
    h.state()
        .views
        .boundary_transform
        .expect("the paint view was drawn")
        .position_from_point(&PlotPoint::new(x, y))
}

fn click(h: &mut H, pos: egui::Pos2, button: egui::PointerButton) {
    h.hover_at(pos);
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        h.step();
    }
}

#[test]
fn painted_points_are_the_data_the_next_run_trains_on() {
    let mut h = harness();
    h.get_by_label("Boundary").click();
    h.step();
    h.step();
    assert_eq!(h.state().views.tab, ViewTab::Boundary);
    // Nothing painted: training is refused with what to do.
    h.get_by_label("Train").click();
    until(
        &mut h,
        "the refusal",
        |a| matches!(&a.run.state, RunState::Failed(m) if m.contains("paint at least two points")),
    );
    // Class 0 on the left, class 1 on the right.
    h.get_by_label("class 0").click();
    h.step();
    assert!(h.state().views.paint.on, "choosing a class turns Paint on");
    let left = [
        (-0.8, 0.6),
        (-0.7, -0.2),
        (-0.6, 0.3),
        (-0.9, -0.7),
        (-0.5, 0.8),
        (-0.75, 0.0),
    ];
    for (x, y) in left {
        let p = screen(&h, x, y);
        click(&mut h, p, egui::PointerButton::Primary);
    }
    assert_eq!(points(&h).len(), 6);
    h.get_by_label("class 1").click();
    h.step();
    let right = [
        (0.8, 0.6),
        (0.7, -0.2),
        (0.6, 0.3),
        (0.9, -0.7),
        (0.5, 0.8),
        (0.75, 0.0),
        (0.0, 0.0),
    ];
    for (x, y) in right {
        let p = screen(&h, x, y);
        click(&mut h, p, egui::PointerButton::Primary);
    }
    let painted = points(&h);
    assert_eq!(painted.len(), 13);
    for ((x, y, c), (wx, wy, wc)) in painted.iter().zip(
        left.iter()
            .map(|(x, y)| (*x, *y, 0))
            .chain(right.iter().map(|(x, y)| (*x, *y, 1))),
    ) {
        assert_eq!(*c, wc);
        assert!((f64::from(*x) - wx).abs() < 0.03 && (f64::from(*y) - wy).abs() < 0.03);
    }
    // A right-click erases the point under it (the stray one in the middle).
    let p = screen(&h, 0.0, 0.0);
    click(&mut h, p, egui::PointerButton::Secondary);
    assert_eq!(points(&h).len(), 12);
    assert!(points(&h).iter().all(|p| p.0.abs() > 0.3));
    // The painted points were saved with the project's undo history.
    assert!(h.state().doc.dirty());
    // The next run trains on them: the boundary it draws puts the left
    // of the plane in class 0 and the right in class 1.
    h.get_by_label("Train").click();
    until(&mut h, "the run's end", |a| {
        matches!(a.run.state, RunState::Finished(_))
    });
    until(&mut h, "a snapshot with a boundary", |a| {
        a.run.live().is_some_and(|l| l.snap.boundary.is_some())
    });
    let app = h.state();
    let b = app.run.live().unwrap().snap.boundary.clone().unwrap();
    let class_at = |x: f64, y: f64| {
        let r = b.resolution;
        let i = (((x - b.x_range[0]) / (b.x_range[1] - b.x_range[0])) * r as f64) as usize;
        let j = (((y - b.y_range[0]) / (b.y_range[1] - b.y_range[0])) * r as f64) as usize;
        b.class[j.min(r - 1) * r + i.min(r - 1)]
    };
    for (x, y) in left {
        assert_eq!(class_at(x, y), 0, "({x}, {y})");
    }
    for (x, y) in &right[..6] {
        assert_eq!(class_at(*x, *y), 1, "({x}, {y})");
    }
    assert!(h.query_by_label_contains("12 points").is_some());
}
