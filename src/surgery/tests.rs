//! Each kind of edit on real example projects, trained a little first:
//! widening and identity insertions leave every output unchanged, the
//! optimizer's state follows the weights.

use super::*;
use crate::model::{LayerSpec, NodeId, Project};
use crate::trainer::Session;

fn project(name: &str, tweak: impl FnOnce(&mut Project)) -> Project {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("projects")
        .join(name);
    let mut p = crate::project::load(&path).expect("example loads");
    tweak(&mut p);
    p
}

fn trained(p: &Project, batches: usize) -> Session {
    let mut s = Session::from_project(p, None).expect("session");
    s.begin_epoch(1);
    for k in 0..batches {
        if s.epoch_done() {
            s.begin_epoch(2);
        }
        s.train_batch(1, k as u64).expect("step");
    }
    s
}

/// `p` with `e` applied (shapes from the session's data).
fn edited(p: &Project, s: &Session, e: Edit) -> Project {
    let info = s.data_info().expect("info").clone();
    let analysis = crate::model::analyze(&p.graph, Some(&info), &p.training);
    let (graph, _) = edit::apply(&p.graph, &e, |id| {
        analysis.nodes.get(&id).and_then(|n| n.out_shape.clone())
    })
    .expect("edit applies");
    let mut q = p.clone();
    q.graph = graph;
    q
}

fn widen(node: &str, units: usize) -> Edit {
    Edit::Widen {
        node: node.into(),
        units,
    }
}

fn insert(node: &str, kind: &str) -> Edit {
    Edit::InsertAfter {
        node: node.into(),
        kind: kind.into(),
    }
}

fn fate(o: &crate::trainer::EditOutcome, name: &str) -> Fate {
    o.report
        .layers
        .iter()
        .find(|l| l.name == name)
        .map(|l| l.fate.clone())
        .unwrap_or_else(|| panic!("no layer {name} in {:?}", o.report))
}

/// Applies the edits one after another on a trained session, asserting
/// each leaves every validation output within 1e-5.
fn assert_preserving(p: &Project, batches: usize, edits: &[Edit]) -> (Session, Project) {
    let mut s = trained(p, batches);
    let mut cur = p.clone();
    for e in edits {
        let next = edited(&cur, &s, e.clone());
        let before = s.validation_outputs().expect("outputs");
        let o = s.restructure(&next).expect("restructure");
        let after = s.validation_outputs().expect("outputs");
        let change = largest_change(before.view(), after.view()).expect("same shape");
        assert!(
            change <= PRESERVED && o.preserved(),
            "{e}: largest output change {change} ({})\n{:#?}",
            o.summary(),
            o.report
        );
        assert!(
            o.summary().starts_with("function preserved"),
            "{}",
            o.summary()
        );
        cur = next;
    }
    (s, cur)
}

#[test]
fn widening_a_dense_layer_keeps_every_output() {
    let p = project("spiral.ron", |_| {});
    let (s, _) = assert_preserving(&p, 40, &[widen("hidden 1", 48), widen("hidden 2", 40)]);
    assert_eq!(s.network().nodes()[1].layer.output_len(), 48);
}

#[test]
fn the_spiral_scenario_keeps_every_output() {
    let p = project("spiral.ron", |_| {});
    let (_, q) = assert_preserving(&p, 60, &[widen("hidden 1", 48), insert("relu 1", "dense")]);
    let inserted = q
        .graph
        .nodes()
        .iter()
        .find(|n| n.name == "dense 1")
        .expect("inserted");
    assert_eq!(
        inserted.spec,
        LayerSpec::Dense(crate::model::DenseSpec {
            units: crate::model::Units::Fixed(48),
            ..Default::default()
        })
    );
}

#[test]
fn identity_insertions_keep_every_output() {
    let p = project("spiral.ron", |_| {});
    let kinds = ["dense", "batchnorm", "dropout", "relu", "linear"];
    let edits: Vec<Edit> = kinds.iter().map(|k| insert("relu 1", k)).collect();
    let (mut s, q) = assert_preserving(&p, 40, &edits);
    // And after all of them, one more ReLU after the ReLU of "hidden 2".
    let next = edited(&q, &s, insert("relu 2", "relu"));
    let o = s.restructure(&next).expect("restructure");
    // The palette names new layers "relu 3", "relu 4"…
    assert_eq!(fate(&o, "relu 4"), Fate::Identity);
    assert!(o.preserved());
}

#[test]
fn a_fresh_insertion_is_marked_and_measured() {
    let p = project("spiral.ron", |_| {});
    let mut s = trained(&p, 40);
    let next = edited(&p, &s, insert("hidden 1", "tanh"));
    let o = s.restructure(&next).expect("restructure");
    assert_eq!(fate(&o, "tanh 1"), Fate::Fresh);
    assert!(!o.preserved());
    assert!(o.summary().starts_with("loss "), "{}", o.summary());
}

#[test]
fn adam_state_is_kept_for_unchanged_layers_and_grown_for_widened_ones() {
    let p = project("spiral.ron", |_| {});
    let mut s = trained(&p, 40);
    let before = OldNet::from_network(s.network(), s.node_ids(), Some(s.optimizer()));
    let t_before = s.optimizer().t;
    let next = edited(&p, &s, widen("hidden 1", 48));
    s.restructure(&next).expect("restructure");
    let after = OldNet::from_network(s.network(), s.node_ids(), Some(s.optimizer()));
    assert_eq!(s.optimizer().t, t_before);
    // The output layer did not change: weights and both Adam moments equal.
    for name in ["weight", "bias"] {
        let (a, b) = (
            before.tensor(NodeId(5), name).expect("old"),
            after.tensor(NodeId(5), name).expect("new"),
        );
        assert_eq!(a.state.len(), 2, "Adam has m and v");
        assert_eq!(a, b, "output.{name}");
    }
    // hidden 1 grew 32 → 48: old rows keep weights and moments, new rows
    // have zero moments.
    let (a, b) = (
        before.tensor(NodeId(1), "weight").expect("old"),
        after.tensor(NodeId(1), "weight").expect("new"),
    );
    assert_eq!(b.shape, vec![48, 2]);
    assert_eq!(&b.values[..64], &a.values[..]);
    for slot in 0..2 {
        assert_eq!(&b.state[slot][..64], &a.state[slot][..]);
        assert!(b.state[slot][64..].iter().all(|v| *v == 0.0));
    }
    // hidden 2 reads 48 features now: old columns kept, new columns zero.
    let (a, b) = (
        before.tensor(NodeId(3), "weight").expect("old"),
        after.tensor(NodeId(3), "weight").expect("new"),
    );
    assert_eq!(b.shape, vec![32, 48]);
    for r in 0..32 {
        assert_eq!(
            &b.values[r * 48..r * 48 + 32],
            &a.values[r * 32..r * 32 + 32]
        );
        assert!(b.values[r * 48 + 32..r * 48 + 48].iter().all(|v| *v == 0.0));
        assert_eq!(
            &b.state[0][r * 48..r * 48 + 32],
            &a.state[0][r * 32..r * 32 + 32]
        );
    }
}

#[test]
fn narrowing_drops_the_units_with_the_smallest_outgoing_norm() {
    let p = project("spiral.ron", |_| {});
    let mut s = trained(&p, 40);
    let before = OldNet::from_network(s.network(), s.node_ids(), None);
    let next = edited(&p, &s, widen("hidden 1", 24));
    let o = s.restructure(&next).expect("restructure");
    let Fate::Narrowed {
        from,
        to,
        dropped,
        by,
    } = fate(&o, "hidden 1")
    else {
        panic!("not narrowed: {:?}", o.report)
    };
    assert_eq!((from, to, by, dropped.len()), (32, 24, "outgoing", 8));
    // The outgoing norms from hidden 2's columns, recomputed here.
    let w = before.tensor(NodeId(3), "weight").expect("hidden 2");
    let norm = |u: usize| (0..32).map(|r| w.values[r * 32 + u].powi(2)).sum::<f32>();
    let kept_min = (0..32)
        .filter(|u| !dropped.contains(u))
        .map(norm)
        .fold(f32::INFINITY, f32::min);
    let dropped_max = dropped.iter().map(|u| norm(*u)).fold(0.0, f32::max);
    assert!(dropped_max <= kept_min, "{dropped_max} > {kept_min}");
    assert!(o.report.lines().iter().any(|l| l.contains("dropped units")));
}

#[test]
fn swapping_an_activation_keeps_all_weights() {
    let p = project("spiral.ron", |_| {});
    let mut s = trained(&p, 40);
    let before = s.network().state_dict();
    let mut next = p.clone();
    if let Some(n) = next.graph.node_mut(NodeId(2)) {
        n.spec = LayerSpec::Activation(crate::model::Activation::Tanh);
    }
    let o = s.restructure(&next).expect("restructure");
    assert_eq!(s.network().state_dict(), before);
    assert!(o.report.layers.iter().all(|l| l.fate == Fate::Kept));
}

#[test]
fn removing_an_inserted_layer_rewires_and_refuses_a_shape_change() {
    let p = project("spiral.ron", |_| {});
    let (mut s, q) = assert_preserving(&p, 40, &[insert("relu 1", "dense")]);
    let back = edited(
        &q,
        &s,
        Edit::Remove {
            node: "dense 1".into(),
        },
    );
    assert_eq!(back.graph.edges(), p.graph.edges());
    let o = s.restructure(&back).expect("restructure");
    assert!(o.preserved(), "{}", o.summary());
    let info = s.data_info().expect("info").clone();
    let a = crate::model::analyze(&p.graph, Some(&info), &p.training);
    let refused = edit::apply(
        &p.graph,
        &Edit::Remove {
            node: "hidden 1".into(),
        },
        |id| a.nodes.get(&id).and_then(|n| n.out_shape.clone()),
    );
    assert!(
        matches!(refused, Err(EditError::CannotRemove { .. })),
        "{refused:?}"
    );
}

#[test]
fn widening_convolutions_keeps_every_output_through_pooling_and_flatten() {
    let p = project("mnist_cnn.ron", |_| {});
    assert_preserving(
        &p,
        6,
        &[
            widen("conv 1", 12),
            widen("conv 2", 20),
            insert("conv 1", "batchnorm"),
            insert("relu 1", "conv2d"),
        ],
    );
}

#[test]
fn widening_recurrent_layers_keeps_every_output() {
    for cell in ["lstm", "gru", "rnn"] {
        let p = project("sine_lstm.ron", |p| {
            if let Some(n) = p.graph.node_mut(NodeId(1)) {
                let r = crate::model::RnnSpec {
                    units: 8,
                    ..Default::default()
                };
                n.spec = match cell {
                    "lstm" => LayerSpec::Lstm(r),
                    "gru" => LayerSpec::Gru(r),
                    _ => LayerSpec::SimpleRnn(r),
                };
            }
        });
        assert_preserving(&p, 10, &[widen("lstm", 13)]);
    }
}

#[test]
fn a_sequence_output_keeps_its_step_major_layout() {
    let p = project("sine_lstm.ron", |p| {
        let lstm = NodeId(1);
        if let Some(n) = p.graph.node_mut(lstm) {
            n.spec = LayerSpec::Gru(crate::model::RnnSpec {
                units: 6,
                return_sequences: true,
                ..Default::default()
            });
        }
        let (mut g, out) = (p.graph.clone(), NodeId(2));
        let flat = g.add_node("flatten", LayerSpec::Flatten, [0.0, 0.0]);
        let mut edges: Vec<crate::model::Edge> =
            g.edges().iter().filter(|e| e.to != out).copied().collect();
        edges.push(crate::model::Edge {
            from: lstm,
            to: flat,
            port: 0,
        });
        edges.push(crate::model::Edge {
            from: flat,
            to: out,
            port: 0,
        });
        p.graph = crate::model::Graph::from_parts(g.nodes().to_vec(), edges, g.next_id());
    });
    assert_preserving(&p, 10, &[widen("lstm", 9)]);
}

#[test]
fn related_weights_are_matched_by_id_and_grown() {
    let p = project("spiral.ron", |_| {});
    let s = trained(&p, 40);
    let w = s.network().state_dict();
    let mut wider = p.clone();
    if let Some(n) = wider.graph.node_mut(NodeId(1)) {
        n.spec = LayerSpec::Dense(crate::model::DenseSpec {
            units: crate::model::Units::Fixed(40),
            bias: true,
            init: crate::model::Init::HeUniform,
        });
    }
    let mut t = Session::from_project(&wider, None).expect("session");
    let mut s = s;
    let before = s.validation_outputs().expect("outputs");
    let report = t.start_from_related(&w, &wider.graph);
    assert_eq!(
        report.counts(),
        Counts {
            kept: 2,
            grown: 1,
            narrowed: 0,
            new: 0
        },
        "{report:?}"
    );
    let after = t.validation_outputs().expect("outputs");
    let change = largest_change(before.view(), after.view()).expect("shape");
    assert!(change <= PRESERVED, "{change}");
}

#[test]
fn a_batchnorm_after_a_widened_layer_gets_identity_like_new_features() {
    let p = project("spiral.ron", |_| {});
    let mut s = trained(&p, 30);
    let with_bn = edited(&p, &s, insert("hidden 1", "batchnorm"));
    s.restructure(&with_bn).expect("restructure");
    // Train on so the running statistics are the data's, not 0 and 1.
    for k in 0..20 {
        if s.epoch_done() {
            s.begin_epoch(2);
        }
        s.train_batch(1, 30 + k).expect("step");
    }
    let before = OldNet::from_network(s.network(), s.node_ids(), None);
    let bn = with_bn
        .graph
        .nodes()
        .iter()
        .find(|n| n.name == "batchnorm 1")
        .expect("inserted")
        .id;
    let q = {
        let wide = edited(&with_bn, &s, widen("hidden 1", 40));
        let out_before = s.validation_outputs().expect("outputs");
        let o = s.restructure(&wide).expect("restructure");
        let out_after = s.validation_outputs().expect("outputs");
        let change = largest_change(out_before.view(), out_after.view()).expect("shape");
        assert!(
            change <= PRESERVED && o.preserved(),
            "{change}: {}",
            o.summary()
        );
        wide
    };
    assert!(q.graph.node(bn).is_some());
    let after = OldNet::from_network(s.network(), s.node_ids(), None);
    for (name, fresh) in [
        ("weight", 1.0),
        ("bias", 0.0),
        ("running_mean", 0.0),
        ("running_var", 1.0),
    ] {
        let (a, b) = (
            before.tensor(bn, name).expect("old"),
            after.tensor(bn, name).expect("new"),
        );
        assert_eq!(&b.values[..32], &a.values[..], "{name}: old features kept");
        assert!(
            b.values[32..].iter().all(|v| *v == fresh),
            "{name}: new features {:?}",
            &b.values[32..]
        );
    }
}

#[test]
fn sgd_momentum_follows_the_weights() {
    let p = project("spiral.ron", |p| {
        p.training.optimizer = crate::model::OptimizerSpec::Sgd {
            momentum: 0.9,
            nesterov: false,
        };
    });
    let mut s = trained(&p, 30);
    let before = OldNet::from_network(s.network(), s.node_ids(), Some(s.optimizer()));
    let next = edited(&p, &s, widen("hidden 2", 40));
    s.restructure(&next).expect("restructure");
    let after = OldNet::from_network(s.network(), s.node_ids(), Some(s.optimizer()));
    // The first layer is unchanged: its momentum buffer too.
    assert_eq!(
        before.tensor(NodeId(1), "weight"),
        after.tensor(NodeId(1), "weight")
    );
    // The output layer reads 40 features: old columns' momentum kept, new zero.
    let (a, b) = (
        before.tensor(NodeId(5), "weight").expect("old"),
        after.tensor(NodeId(5), "weight").expect("new"),
    );
    assert_eq!((a.state.len(), b.state.len()), (1, 1));
    for r in 0..2 {
        assert_eq!(
            &b.state[0][r * 40..r * 40 + 32],
            &a.state[0][r * 32..r * 32 + 32]
        );
        assert!(
            b.state[0][r * 40 + 32..r * 40 + 40]
                .iter()
                .all(|v| *v == 0.0)
        );
    }
}

#[test]
fn weights_of_another_shape_never_panic_and_are_reported() {
    let p = project("spiral.ron", |_| {});
    let mut s = Session::from_project(&p, None).expect("session");
    let entries = vec![
        ("n1_hidden_1.weight".to_string(), vec![7], vec![0.5; 7]),
        ("n1_hidden_1.bias".to_string(), vec![2], vec![0.5; 2]),
        ("n3_other.weight".to_string(), vec![3, 5], vec![0.25; 15]),
        (
            "n5_output.weight".to_string(),
            vec![2, 2, 2, 2],
            vec![1.0; 16],
        ),
        ("no_id_here".to_string(), vec![1], vec![1.0]),
    ];
    let report = s.start_from_related(&entries, &p.graph);
    let fate_of = |id: u32| {
        report
            .layers
            .iter()
            .find(|l| l.id == NodeId(id))
            .map(|l| l.fate.clone())
    };
    assert!(matches!(fate_of(1), Some(Fate::Reset(_))), "{report:?}");
    assert!(matches!(fate_of(5), Some(Fate::Reset(_))), "{report:?}");
    // hidden 2 kept the 3×5 block it could and says it grew from 3 units.
    assert!(
        matches!(fate_of(3), Some(Fate::Grown { from: 3, to: 32 })),
        "{report:?}"
    );
    let out = s.validation_outputs().expect("outputs");
    assert!(out.iter().all(|v| v.is_finite()));
}
