//! The canvas tells the truth (issue 14, items 12–14), through the real
//! window: a wire that would be refused shows it while it is dragged and
//! suggests only shapes that fit; right-drag on a node pans; paste lands
//! beside the original with a new name, and repeated pastes cascade.

use egui::{Modifiers, PointerButton, Pos2, Rect};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::model::{Conv2DSpec, DenseSpec, LayerSpec, NodeId, Units};
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::document::Document;

type H = Harness<'static, NeuroglassApp>;

fn harness(app: NeuroglassApp) -> H {
    let mut app = app;
    app.files.native = false;
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

fn xor() -> NeuroglassApp {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron");
    NeuroglassApp::new(Some(path))
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

fn button(h: &H, button: PointerButton, pos: Pos2, pressed: bool) {
    h.event(egui::Event::PointerButton {
        pos,
        button,
        pressed,
        modifiers: Modifiers::NONE,
    });
}

/// XOR with the hidden layer widened to 16 units and a Conv2D beside it,
/// not wired yet.
fn xor_with_a_conv() -> (NeuroglassApp, NodeId, NodeId) {
    let mut app = xor();
    let mut p = app.doc.project.clone();
    let hidden = p
        .graph
        .nodes()
        .iter()
        .find(|n| n.name == "hidden")
        .expect("xor has a hidden layer")
        .id;
    if let Some(n) = p.graph.node_mut(hidden) {
        n.spec = LayerSpec::Dense(DenseSpec {
            units: Units::Fixed(16),
            ..DenseSpec::default()
        });
    }
    let conv = p.graph.add_node(
        "conv",
        LayerSpec::Conv2D(Conv2DSpec::default()),
        [300.0, 220.0],
    );
    app.doc = Document::new(p, None);
    (app, hidden, conv)
}

#[test]
fn a_refused_wire_shows_while_dragging_and_suggests_only_shapes_that_fit() {
    let (app, hidden, conv) = xor_with_a_conv();
    let mut h = harness(app);
    frames(&mut h, 3);
    assert_eq!(
        h.state().doc.analysis.nodes[&hidden].out_shape,
        Some(vec![16])
    );
    let edges = h.state().doc.project.graph.edges().to_vec();
    let from = node_rect(&h, hidden).center_bottom();
    let to = node_rect(&h, conv).center();
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    for i in 1..=6 {
        h.hover_at(from + (to - from) * (i as f32 / 6.0));
        h.step();
    }
    // Still dragging, over the Conv2D: the refusal is already shown.
    frames(&mut h, 2);
    let live = h
        .state()
        .canvas
        .dragged_wire_refusal()
        .map(str::to_owned)
        .expect("the refusal shows while the wire is dragged");
    assert!(live.contains("1×4×4"), "{live}");
    assert!(!live.contains("28×28"), "{live}");
    assert!(
        h.query_by_label_contains("Wire refused").is_some(),
        "the reason is on screen while dragging"
    );
    assert!(
        h.state().editor.refusal.is_none(),
        "nothing dropped yet: {:?}",
        h.state().editor.refusal
    );
    // Away from any node, the wire is no longer refused.
    h.hover_at(to + egui::vec2(0.0, 200.0));
    frames(&mut h, 2);
    assert!(h.state().canvas.dragged_wire_refusal().is_none());
    assert!(h.query_by_label_contains("Wire refused").is_none());
    h.hover_at(to);
    frames(&mut h, 2);
    h.drop_at(to);
    frames(&mut h, 3);
    assert_eq!(h.state().doc.project.graph.edges(), edges.as_slice());
    let msg = h.state().editor.refusal.clone().expect("refused on drop");
    assert!(msg.contains("1×4×4") && msg.contains("4×2×2"), "{msg}");
    assert!(!msg.contains("28×28"), "{msg}");
    assert!(h.state().canvas.dragged_wire_refusal().is_none());
}

#[test]
fn right_drag_on_a_node_pans_and_never_moves_it() {
    let mut h = harness(xor());
    frames(&mut h, 4);
    let id = node_named(&h, "hidden");
    let before = h.state().doc.project.graph.node(id).unwrap().pos;
    let pan = h.state().canvas.view.pan;
    let shown = h.get_by_label("hidden").rect();
    let from = node_rect(&h, id).center();
    let delta = egui::vec2(120.0, 70.0);
    h.hover_at(from);
    h.step();
    button(&h, PointerButton::Secondary, from, true);
    h.step();
    for i in 1..=6 {
        h.hover_at(from + delta * (i as f32 / 6.0));
        h.step();
    }
    button(&h, PointerButton::Secondary, from + delta, false);
    frames(&mut h, 3);
    let app = h.state();
    assert_eq!(
        app.doc.project.graph.node(id).unwrap().pos,
        before,
        "the node stayed where it was on the canvas"
    );
    let moved = app.canvas.view.pan - pan;
    assert!(
        (moved - delta).length() < 2.0,
        "the view panned by the drag: {moved:?}"
    );
    let now = h.get_by_label("hidden").rect();
    assert!(
        (now.center() - shown.center() - delta).length() < 2.0,
        "the node is shown panned with the view: {shown:?} → {now:?}"
    );
    assert!(!h.state().doc.dirty(), "panning is not an edit");
}

#[test]
fn paste_lands_beside_the_original_with_a_new_name_and_cascades() {
    let mut h = harness(xor());
    frames(&mut h, 3);
    let id = node_named(&h, "hidden");
    let original = h.state().doc.project.graph.node(id).unwrap().clone();
    h.get_by_label("hidden").click();
    frames(&mut h, 2);
    h.event(egui::Event::Copy);
    frames(&mut h, 2);
    let text = h
        .state()
        .editor
        .clipboard
        .as_ref()
        .expect("copied")
        .to_text();
    assert!(text.starts_with("neuroglass-nodes:"), "{text}");
    // Ctrl+V gives the same clipboard text each time.
    for _ in 0..3 {
        h.event(egui::Event::Paste(text.clone()));
        frames(&mut h, 2);
    }
    let g = &h.state().doc.project.graph;
    assert_eq!(g.nodes().len(), 7);
    let copies: Vec<_> = g.nodes().iter().filter(|n| n.id.0 >= 4).collect();
    let names: Vec<&str> = copies.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        ["hidden (copy)", "hidden (copy 2)", "hidden (copy 3)"]
    );
    for (k, n) in copies.iter().enumerate() {
        let step = 40.0 * (k + 1) as f32;
        assert_eq!(
            n.pos,
            [original.pos[0] + step, original.pos[1] + step],
            "{} cascades",
            n.name
        );
        assert_eq!(n.spec, original.spec);
    }
    // Shown: every copy is on screen under its own name, none on another.
    let rects: Vec<Rect> = [
        "hidden",
        "hidden (copy)",
        "hidden (copy 2)",
        "hidden (copy 3)",
    ]
    .iter()
    .map(|name| h.get_by_label(name).rect())
    .collect();
    for (i, a) in rects.iter().enumerate() {
        for b in &rects[i + 1..] {
            assert!(
                (a.center() - b.center()).length() > 10.0,
                "{a:?} and {b:?} lie on top of each other"
            );
        }
    }
    let selected: Vec<NodeId> = h.state().editor.selection.nodes.iter().copied().collect();
    assert_eq!(selected, vec![copies[2].id], "the last paste is selected");
}
