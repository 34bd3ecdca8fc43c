//! The trace in the window, driven like a user with the real trainer:
//! clicking a validation point on the boundary fills the canvas with that
//! sample's values, Next walks every node forward then backward, and the
//! working of a clicked weight multiplies out to its gradient.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{By, Queryable};
use egui_plot::PlotPoint;
use neuroglass::numfmt::sig;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::preview::Preview;
use neuroglass::ui::trace::pick::Pick;
use neuroglass::ui::views::ViewTab;

mod render_support;

type H = Harness<'static, NeuroglassApp>;

fn harness(example: &'static str) -> H {
    let mut app = NeuroglassApp::new(None);
    app.files.native = false;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 860.0))
        .wgpu()
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    h.step();
    h.state_mut().apply(Command::OpenBundled(example));
    h.state_mut().prompts.recovery = None;
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

fn click_at(h: &mut H, pos: egui::Pos2) {
    h.hover_at(pos);
    h.step();
    h.drag_at(pos);
    h.step();
    h.drop_at(pos);
    h.step();
}

/// Saves what the window shows when `TRACE_SHOTS` names a folder.
fn shot(h: &mut H, name: &str) {
    if let Some(dir) = std::env::var_os("TRACE_SHOTS") {
        let img = h.render().expect("rendered");
        img.save(std::path::Path::new(&dir).join(format!("{name}.png")))
            .expect("saved");
    }
}

#[test]
fn a_clicked_boundary_point_is_traced_stepped_and_worked_out() {
    let mut h = harness("xor.ron");
    h.get_by_label("Boundary").click();
    h.step();
    assert_eq!(h.state().views.tab, ViewTab::Boundary);
    h.state_mut().apply(Command::Step);
    until(&mut h, "a snapshot, the preview and the plot", |a| {
        a.run.live().is_some()
            && matches!(a.preview.current, Some(Ok(Preview::Points { .. })))
            && a.views.boundary_transform.is_some()
    });
    h.run_steps(2);
    // Click validation point 5 where the plot draws it.
    let app = h.state();
    let Some(Ok(Preview::Points { val_xy, .. })) = &app.preview.current else {
        unreachable!()
    };
    let transform = app.views.boundary_transform.unwrap();
    let at = |v: &[f64; 2]| transform.position_from_point(&PlotPoint::new(v[0], v[1]));
    let target = at(&val_xy[5]);
    let val_xy = val_xy.clone();
    click_at(&mut h, target);
    let picked = h.state().views.picked.expect("a point was picked");
    assert!(
        at(&val_xy[picked]).distance(target) < 1.0,
        "the point under the click was picked ({picked})"
    );
    assert!(h.state().trace.open, "picking opens the Trace window");
    until(&mut h, "the trace of the picked sample", |a| {
        a.trace
            .shown(a.run.id())
            .is_some_and(|t| t.sample == Pick::Validation(picked))
    });
    h.run_steps(3);
    shot(&mut h, "xor-forward");
    // The window names the sample; the canvas shows each vector's values.
    let (name, nodes) = {
        let t = h.state().trace.shown(h.state().run.id()).unwrap();
        (t.name.clone(), t.trace.nodes.clone())
    };
    assert!(name.starts_with(&format!("validation sample {picked} · class ")));
    assert!(
        h.query_by_label(&name).is_some(),
        "the sample is named on screen"
    );
    for n in nodes.iter().filter(|n| n.output.len() > 1) {
        let first: Vec<String> = n.output.iter().take(8).map(|v| sig(*v, 3)).collect();
        let label = format!("trace of {}: output {}", n.name, first.join(" "));
        assert!(h.query_by_label(&label).is_some(), "{label} on the canvas");
    }
    // Next walks every node forward, then every node backward.
    let count = nodes.len();
    let mut walked = Vec::new();
    for _ in 0..2 * count {
        h.get_by_label("Next ▶").click();
        h.step();
        h.step();
        walked.push(h.state().trace.position(count).expect("stepping"));
    }
    let want: Vec<(usize, bool)> = (0..count)
        .map(|k| (k, false))
        .chain((0..count).rev().map(|k| (k, true)))
        .collect();
    assert_eq!(walked, want);
    let last = &nodes[0];
    let first: Vec<String> = last.grad.iter().take(8).map(|v| sig(*v, 3)).collect();
    let label = format!("trace of {}: ∂L/∂output {}", last.name, first.join(" "));
    assert!(
        h.query_by_label(&label).is_some(),
        "{label} at the last step"
    );
    shot(&mut h, "xor-backward-end");
    // The keyboard steps back.
    h.key_press(egui::Key::ArrowLeft);
    h.step();
    h.step();
    assert_eq!(h.state().trace.position(count), Some((1, true)));
    // Show the working of hidden weight (2, 1).
    h.get_by_label("Whole pass").click();
    h.step();
    h.get_by_label("weight 2,1").click();
    h.step();
    h.step();
    let app = h.state();
    let w = app.trace.working.expect("a weight was clicked");
    let t = &app.trace.shown(app.run.id()).unwrap().trace;
    let wk = neuroglass::trace::working(t, w.node, w.param, w.index).unwrap();
    assert_eq!(wk.symbol, "w₂,₁");
    assert!(
        (wk.product - wk.grad).abs() <= 1e-12 * wk.grad.abs().max(1e-300),
        "product {} gradient {}",
        wk.product,
        wk.grad
    );
    let text = wk.text();
    assert!(text.ends_with(&format!("= {}", sig(wk.grad, 4))), "{text}");
    assert!(
        h.query_by_label(&text).is_some(),
        "the window writes {text}"
    );
    assert!(
        h.query_all(By::new().label_contains("one plain gradient step"))
            .count()
            == 1
    );
    shot(&mut h, "xor-working");
    h.state_mut().apply(Command::Stop);
    h.step();
}
