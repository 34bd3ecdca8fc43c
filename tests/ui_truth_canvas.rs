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

/// Every text the reference, Help, the shortcut table and validation can
/// show, and every non-ASCII character in the program's source and the
/// bundled examples.
fn printed_texts() -> Vec<(String, String)> {
    use neuroglass::model::reference;
    use neuroglass::model::*;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut doc = |what: String, d: reference::Doc| {
        out.push((format!("{what} summary"), d.summary.to_owned()));
        out.push((format!("{what} formula"), d.formula.to_owned()));
    };
    for spec in LayerSpec::palette() {
        doc(spec.kind_name().to_owned(), reference::layer(&spec));
        if let LayerSpec::Activation(a) = spec {
            doc(a.name().to_owned(), reference::activation(a));
        }
    }
    for l in [
        LossKind::Mse,
        LossKind::Mae,
        LossKind::Huber { delta: 1.0 },
        LossKind::CrossEntropy,
        LossKind::BinaryCrossEntropy,
    ] {
        doc(l.name().to_owned(), reference::loss(l));
    }
    for o in neuroglass::ui::training_form::OPTIMIZERS {
        doc(o.name().to_owned(), reference::optimizer(&o));
    }
    for i in [
        Init::Default,
        Init::XavierUniform,
        Init::XavierNormal,
        Init::HeUniform,
        Init::HeNormal,
        Init::LeCun,
        Init::Zeros,
        Init::Constant(0.5),
    ] {
        doc(format!("{i:?}"), reference::init(i));
    }
    for m in ["accuracy", "R²", "RMSE", "top-k"] {
        if let Some(d) = reference::metric(m) {
            doc(m.to_owned(), d);
        }
    }
    out.push((
        "help".into(),
        neuroglass::ui::help::CANVAS_GESTURES.to_owned(),
    ));
    for s in neuroglass::ui::shortcuts::table() {
        out.push(("shortcut".into(), s.what.to_owned()));
    }
    for (k, what) in neuroglass::ui::shortcuts::CLIPBOARD {
        out.push(("clipboard shortcut".into(), format!("{k} {what}")));
    }
    // Validation: graphs with every kind of problem, and every example.
    let dense = |u| {
        LayerSpec::Dense(DenseSpec {
            units: Units::Fixed(u),
            ..DenseSpec::default()
        })
    };
    let chain = |specs: &[LayerSpec]| {
        let mut g = Graph::new();
        let mut last = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
        for s in specs {
            let id = g.add_node("l", s.clone(), [0.0, 0.0]);
            g.connect(last, id).unwrap();
            last = id;
        }
        g
    };
    let img = DataInfo {
        input_shape: vec![1, 28, 28],
        classes: Some(10),
        targets: 1,
    };
    let flat = DataInfo {
        input_shape: vec![16],
        classes: None,
        targets: 1,
    };
    let bad_training = TrainConfig {
        learning_rate: -1.0,
        batch_size: 0,
        epochs: 0,
        l1: f32::NAN,
        clip_grad_norm: Some(-1.0),
        ..TrainConfig::default()
    };
    let mut cases = vec![
        (Graph::new(), img.clone(), bad_training.clone()),
        (chain(&[dense(10)]), img.clone(), TrainConfig::default()),
        (
            chain(&[LayerSpec::Conv2D(Conv2DSpec::default())]),
            flat.clone(),
            TrainConfig::default(),
        ),
        (
            chain(&[LayerSpec::Lstm(RnnSpec::default())]),
            flat.clone(),
            TrainConfig::default(),
        ),
        (
            chain(&[LayerSpec::Flatten, dense(3)]),
            img.clone(),
            TrainConfig {
                loss: LossKind::Mse,
                ..TrainConfig::default()
            },
        ),
        (
            chain(&[LayerSpec::Flatten, dense(2)]),
            flat.clone(),
            TrainConfig {
                loss: LossKind::BinaryCrossEntropy,
                ..TrainConfig::default()
            },
        ),
    ];
    let mut stray = chain(&[LayerSpec::Flatten, dense(10)]);
    stray.add_node("stray", dense(3), [0.0, 0.0]);
    stray.add_node("in2", LayerSpec::Input, [0.0, 0.0]);
    let add = stray.add_node("add", LayerSpec::Add, [0.0, 0.0]);
    stray.connect(NodeId(0), add).unwrap();
    cases.push((stray, img.clone(), TrainConfig::default()));
    for (g, data, t) in &cases {
        let a = analyze(g, Some(data), t);
        for (_, p) in a.problems() {
            out.push(("validation".into(), format!("{} — {}", p.message, p.fix)));
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    let mut dirs = vec![root.join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    for e in std::fs::read_dir(root.join("projects")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "ron") {
            files.push(p);
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        if let Ok(p) = neuroglass::project::parse(&text, "example") {
            let info = resolve_data_info(&p, Some(root.join("projects").as_path())).ok();
            let a = analyze(&p.graph, info.as_ref(), &p.training);
            for (_, pr) in a.problems() {
                out.push((
                    "example validation".into(),
                    format!("{} {}", pr.message, pr.fix),
                ));
            }
        }
        let odd: String = text.chars().filter(|c| !c.is_ascii()).collect();
        out.push((f.display().to_string(), odd));
    }
    out
}

/// Issue 14, item 8: the fonts the window loads have a glyph for every
/// character the program prints.
#[test]
fn every_character_the_program_prints_has_a_glyph() {
    let mut h = harness(xor());
    frames(&mut h, 2);
    let texts = printed_texts();
    assert!(texts.len() > 150, "{} texts", texts.len());
    let all: String = texts.iter().map(|(_, t)| t.as_str()).collect();
    for must in [
        'ᵀ', '⁻', '₁', '₂', 'ᵢ', 'ⱼ', 'Σ', '∂', '·', '×', '≤', '√', '✕', '→',
    ] {
        assert!(all.contains(must), "{must} is among the texts checked");
    }
    // The fonts the window loaded, per family, in fallback order. egui's own
    // `has_glyph` counts any character of the replacement character's font
    // as missing, so the fonts' character maps are read instead.
    use skrifa::MetadataProvider;
    let defs = h.ctx.fonts(|f| f.definitions().clone());
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace];
    let mut missing = std::collections::BTreeMap::<char, String>::new();
    for family in families {
        let names = defs.families.get(&family).cloned().unwrap_or_default();
        let faces: Vec<_> = names
            .iter()
            .map(|n| {
                let data = &defs.font_data[n];
                skrifa::FontRef::from_index(&data.font, data.index)
                    .unwrap_or_else(|e| panic!("font {n}: {e}"))
            })
            .collect();
        for (where_, text) in &texts {
            for c in text
                .chars()
                .filter(|c| !c.is_control() && !c.is_whitespace())
            {
                if !faces.iter().any(|f| f.charmap().map(c).is_some()) {
                    missing
                        .entry(c)
                        .or_insert_with(|| format!("{family:?} in {where_}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no glyph for {} characters: {missing:?}",
        missing.len()
    );
}
