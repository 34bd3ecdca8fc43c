//! More ways into the trace, driven like a user with the real trainer: a
//! row of the data preview (a training sample, named so on screen) and an
//! input typed in the Trace window; and the working of a convolution
//! weight — a sum over positions — adding up to its gradient.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::model::NodeId;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::app::SideTab;
use neuroglass::ui::command::Command;
use neuroglass::ui::preview::Preview;
use neuroglass::ui::trace::pick::Pick;

type H = Harness<'static, NeuroglassApp>;

fn harness(example: &'static str) -> H {
    let mut app = NeuroglassApp::new(None);
    app.files.native = false;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
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
            "timed out waiting for {what}: {:?}",
            h.state().trace.error
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn shown_pick(a: &NeuroglassApp) -> Option<Pick> {
    a.trace.shown(a.run.id()).map(|t| t.sample)
}

fn input_of(a: &NeuroglassApp) -> Vec<f64> {
    let t = a.trace.shown(a.run.id()).unwrap();
    t.trace.nodes[0].output.clone()
}

#[test]
fn a_preview_row_and_a_typed_input_are_traced_and_named() {
    let mut h = harness("iris.ron");
    h.state_mut().panels.side_tab = SideTab::Data;
    until(&mut h, "the table preview", |a| {
        matches!(a.preview.current, Some(Ok(Preview::Table { .. })))
    });
    h.run_steps(2);
    h.get_by_label("training sample 3").click();
    h.run_steps(2);
    assert!(h.state().trace.open, "a preview row opens the Trace window");
    until(&mut h, "the trace of training sample 3", |a| {
        shown_pick(a) == Some(Pick::Training(3))
    });
    h.run_steps(2);
    let name = h
        .state()
        .trace
        .shown(h.state().run.id())
        .unwrap()
        .name
        .clone();
    assert!(name.starts_with("training sample 3 · class"), "{name}");
    assert!(h.query_by_label(&name).is_some(), "{name} is on screen");
    let row: Vec<f64> = {
        let p = h.state().trace.prepared().unwrap();
        p.train.x.row(3).iter().map(|v| f64::from(*v)).collect()
    };
    assert_eq!(input_of(h.state()), row);
    // Type an input: the form is prefilled with that sample's raw values.
    h.get_by_label("Type an input").click();
    h.run_steps(2);
    let typed = h.state().trace.input_text.clone();
    assert_eq!(typed.split(',').count(), 4, "{typed:?}");
    let Some(neuroglass::trace::SampleTarget::Class(c)) = h
        .state()
        .trace
        .shown(h.state().run.id())
        .map(|t| t.trace.target.clone())
    else {
        panic!("a class target")
    };
    assert_eq!(
        h.state().trace.target_text,
        c.to_string(),
        "prefilled target"
    );
    h.state_mut().trace.target_text = "2".into();
    h.get_by_label("Trace this input").click();
    h.run_steps(2);
    until(&mut h, "the trace of the typed input", |a| {
        matches!(shown_pick(a), Some(Pick::Typed(_)))
    });
    let t = h.state().trace.shown(h.state().run.id()).unwrap();
    assert!(
        t.name.starts_with("typed input (") && t.name.ends_with("class 2"),
        "{}",
        t.name
    );
    assert_eq!(t.trace.target, neuroglass::trace::SampleTarget::Class(2));
    for (a, b) in input_of(h.state()).iter().zip(&row) {
        assert!((a - b).abs() < 1e-5, "typed {a} vs row {b}");
    }
    // A wrong count is refused with a message; the typed trace stays.
    h.state_mut().trace.input_text = "1, 2".into();
    h.get_by_label("Trace this input").click();
    h.run_steps(2);
    let e = h.state().trace.input_error.clone().unwrap_or_default();
    assert!(e.contains("2 values typed; the input has 4"), "{e}");
    // A validation sample picked in the views replaces it.
    h.state_mut().views.picked = Some(2);
    until(&mut h, "the trace of validation sample 2", |a| {
        shown_pick(a) == Some(Pick::Validation(2))
    });
    // A training row belongs to its data: another project drops it.
    h.state_mut().trace.choose_training(1);
    h.run_steps(2);
    assert_eq!(h.state().trace.chosen, Some(Pick::Training(1)));
    h.state_mut().apply(Command::OpenBundled("xor.ron"));
    h.run_steps(3);
    assert_eq!(h.state().trace.chosen, None);
}

#[test]
fn the_working_of_a_convolution_weight_adds_up_in_the_window() {
    let mut h = harness("mnist_cnn.ron");
    h.state_mut().views.picked = Some(0);
    h.state_mut().trace.open = true;
    // Select "conv 1": its parameters are the grids shown.
    h.state_mut().editor.selection.nodes.insert(NodeId(1));
    until(&mut h, "the trace of validation sample 0", |a| {
        shown_pick(a) == Some(Pick::Validation(0))
    });
    h.run_steps(2);
    h.get_by_label("weight 3,1,2,2").click();
    h.run_steps(2);
    let app = h.state();
    let w = app.trace.working.expect("a weight was clicked");
    assert_eq!((w.node, w.param, w.index), (NodeId(1), "weight", 2 * 9 + 4));
    let t = &app.trace.shown(app.run.id()).unwrap().trace;
    let wk = neuroglass::trace::working(t, w.node, w.param, w.index).unwrap();
    assert_eq!(wk.symbol, "w₃,₁,₂,₂");
    assert!(wk.sum.is_some(), "a sum over positions");
    assert!(
        (wk.product - wk.grad).abs() <= 1e-9 * wk.grad.abs().max(1e-12),
        "sum {} gradient {}",
        wk.product,
        wk.grad
    );
    let text = wk.text();
    assert!(
        h.query_by_label(&text).is_some(),
        "the window writes {text}"
    );
    // Every weight of the layer adds up; ReLU and max-pooling leave few
    // positions with a gradient, the blank background few with an input.
    let mut most = 0;
    for i in 0..8 * 9 {
        let wk = neuroglass::trace::working(t, NodeId(1), "weight", i).unwrap();
        let terms = wk.sum.as_ref().map_or(0, |s| s.terms.len());
        most = most.max(terms);
        assert!(
            (wk.product - wk.grad).abs() <= 1e-9 * wk.grad.abs().max(1e-12),
            "weight {i}: sum {} gradient {}",
            wk.product,
            wk.grad
        );
        if terms > neuroglass::trace::TERMS_SHOWN {
            assert!(wk.text().contains("more terms"), "{}", wk.text());
        }
    }
    assert!(most > 10, "at most {most} terms");
}
