//! The sums of products written out for Conv2D, BatchNorm, LayerNorm and
//! SimpleRNN parameters add up to the backward pass's gradients.

use super::*;
use crate::model::{Conv2DSpec, Init, Padding, RnnSpec};

fn conv(filters: usize, kernel: usize, stride: usize, padding: Padding) -> LayerSpec {
    LayerSpec::Conv2D(Conv2DSpec {
        filters,
        kernel,
        stride,
        padding,
        bias: true,
        init: Init::Default,
    })
}

/// A project of `g` on samples of `shape`, classified into 3 classes.
fn classify(g: Graph, shape: Vec<usize>) -> (Project, Analysis, DataInfo) {
    let info = DataInfo {
        input_shape: shape,
        classes: Some(3),
        targets: 1,
    };
    let training = TrainConfig {
        loss: LossKind::CrossEntropy,
        ..TrainConfig::default()
    };
    let analysis = analyze(&g, Some(&info), &training);
    assert!(
        !analysis.has_errors(),
        "{:?}",
        analysis.problems().collect::<Vec<_>>()
    );
    (
        Project {
            graph: g,
            training,
            ..Project::default()
        },
        analysis,
        info,
    )
}

/// A wavy sample of `n` values.
fn sample(n: usize) -> Vec<f32> {
    (0..n)
        .map(|k| ((k as f32) * 0.71 + 0.3).sin() * 1.5)
        .collect()
}

/// The initial weights with every value moved (so γ ≠ 1, β ≠ 0, running
/// statistics not 0 and 1).
fn perturbed(p: &Project, a: &Analysis, info: &DataInfo) -> Vec<StateEntry<f32>> {
    compile::<f32>(&p.graph, a, info, &p.training, 3)
        .unwrap()
        .network
        .state_dict()
        .into_iter()
        .map(|(k, s, v)| {
            let var = k.ends_with("running_var");
            let v = v
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let wobble = ((i as f32) * 1.3 + k.len() as f32).sin() * 0.4;
                    if var { 0.5 + wobble.abs() } else { x + wobble }
                })
                .collect();
            (k, s, v)
        })
        .collect()
}

/// Every element of every parameter of node `id`: its working's sum (or
/// product) equals its gradient; returns how many were sums.
fn all_add_up(t: &Trace, id: NodeId) -> usize {
    let mut sums = 0;
    let mut checked = 0;
    for p in t.params_of(id) {
        for i in 0..p.grad.len() {
            let w = working(t, id, p.name, i).unwrap();
            assert!(
                w.note.is_none() || w.sum.is_some(),
                "{}: {:?}",
                p.name,
                w.note
            );
            let tol = 1e-10 * (1.0 + w.grad.abs());
            assert!(
                (w.product - w.grad).abs() <= tol,
                "{} [{i}]: {} vs {} ({})",
                p.name,
                w.product,
                w.grad,
                w.text()
            );
            sums += usize::from(w.sum.is_some());
            checked += 1;
        }
    }
    assert!(checked > 0);
    sums
}

#[test]
fn convolution_weights_and_biases_are_sums_over_positions() {
    for (stride, padding) in [(1, Padding::Valid), (2, Padding::Same), (1, Padding::Same)] {
        let mut g = Graph::new();
        let x = node(&mut g, "x", LayerSpec::Input, &[]);
        let c = node(&mut g, "conv", conv(2, 3, stride, padding), &[x]);
        let r = node(
            &mut g,
            "relu",
            LayerSpec::Activation(Activation::ReLU),
            &[c],
        );
        let f = node(&mut g, "flat", LayerSpec::Flatten, &[r]);
        node(&mut g, "out", dense(3), &[f]);
        let (p, a, info) = classify(g, vec![2, 5, 6]);
        let mut tracer = Tracer::new(&p, &a, &info, None).unwrap();
        let t = tracer.trace(&sample(60), &SampleTarget::Class(1)).unwrap();
        let sums = all_add_up(&t, c);
        assert_eq!(sums, 2 * 2 * 3 * 3 + 2);
        let w = working(&t, c, "weight", 2 * 9 + 4).unwrap();
        // Filter 2, channel 1, kernel row 2, column 2.
        assert_eq!(w.symbol, "w₂,₁,₂,₂");
        let text = w.text();
        assert!(
            text.starts_with("∂L/∂w₂,₁,₂,₂ = Σ_p,q ∂L/∂z₂(p,q) · x₁("),
            "{text}"
        );
    }
}

#[test]
fn batchnorm_gamma_and_beta_are_sums_over_a_channel_or_one_product() {
    // Images: a sum over the channel's positions.
    let mut g = Graph::new();
    let x = node(&mut g, "x", LayerSpec::Input, &[]);
    let bn = node(
        &mut g,
        "bn",
        LayerSpec::BatchNorm(BatchNormSpec::default()),
        &[x],
    );
    let f = node(&mut g, "flat", LayerSpec::Flatten, &[bn]);
    node(&mut g, "out", dense(3), &[f]);
    let (p, a, info) = classify(g, vec![2, 3, 3]);
    let state = perturbed(&p, &a, &info);
    let mut tracer = Tracer::new(&p, &a, &info, Some(&state)).unwrap();
    let t = tracer.trace(&sample(18), &SampleTarget::Class(2)).unwrap();
    assert_eq!(all_add_up(&t, bn), 4);
    let gamma = working(&t, bn, "weight", 1).unwrap();
    assert_eq!(gamma.symbol, "γ₂");
    assert_eq!(gamma.sum.as_ref().unwrap().symbols, ["∂L/∂y₂(k)", "x̂₂(k)"]);
    // Flat features: γⱼ is one product ∂L/∂yⱼ · x̂ⱼ.
    let (p, a, info) = project(None, 2, LossKind::CrossEntropy);
    let state = perturbed(&p, &a, &info);
    let mut tracer = Tracer::new(&p, &a, &info, Some(&state)).unwrap();
    let t = tracer.trace(&X, &SampleTarget::Class(0)).unwrap();
    let bn = by_name(&t, "bn").id;
    assert_eq!(all_add_up(&t, bn), 0);
    let gamma = working(&t, bn, "weight", 3).unwrap();
    let symbols: Vec<&str> = gamma.factors.iter().map(|f| f.symbol.as_str()).collect();
    assert_eq!(symbols, ["∂L/∂y₄", "x̂₄"]);
}

#[test]
fn layernorm_gamma_and_beta_are_products() {
    let mut g = Graph::new();
    let x = node(&mut g, "x", LayerSpec::Input, &[]);
    let h = node(&mut g, "hidden", dense(4), &[x]);
    let ln = node(&mut g, "ln", LayerSpec::LayerNorm { eps: 1e-5 }, &[h]);
    node(&mut g, "out", dense(3), &[ln]);
    let (p, a, info) = classify(g, vec![3]);
    let state = perturbed(&p, &a, &info);
    let mut tracer = Tracer::new(&p, &a, &info, Some(&state)).unwrap();
    let t = tracer.trace(&X, &SampleTarget::Class(1)).unwrap();
    assert_eq!(all_add_up(&t, ln), 0);
}

#[test]
fn lstm_and_gru_weights_are_sums_over_time_steps() {
    for return_sequences in [false, true] {
        for (kind, gates) in [("LSTM", 4), ("GRU", 3)] {
            let spec = RnnSpec {
                units: 3,
                return_sequences,
                init: Init::Default,
            };
            let mut g = Graph::new();
            let x = node(&mut g, "x", LayerSpec::Input, &[]);
            let layer = if kind == "LSTM" {
                LayerSpec::Lstm(spec)
            } else {
                LayerSpec::Gru(spec)
            };
            let r = node(&mut g, "rnn", layer, &[x]);
            let f = node(&mut g, "flat", LayerSpec::Flatten, &[r]);
            node(&mut g, "out", dense(3), &[f]);
            let (p, a, info) = classify(g, vec![4, 2]);
            let mut tracer = Tracer::new(&p, &a, &info, None).unwrap();
            let t = tracer.trace(&sample(8), &SampleTarget::Class(2)).unwrap();
            // weight_ih G·3×2, weight_hh G·3×3, two biases of G·3.
            let rows = gates * 3;
            assert_eq!(all_add_up(&t, r), rows * 2 + rows * 3 + 2 * rows, "{kind}");
            // The forget gate of unit 2 (LSTM row 5), the GRU's n of unit 1.
            let row = if kind == "LSTM" { 4 } else { 6 };
            let w = working(&t, r, "weight_hh", row * 3).unwrap();
            let first = &w.sum.as_ref().unwrap().symbols[0];
            let want = if kind == "LSTM" {
                "δf₂(t)"
            } else {
                "δn₁(t)·r₁(t)"
            };
            assert_eq!(first, want, "{kind}");
        }
    }
}

#[test]
fn simple_rnn_weights_are_sums_over_time_steps() {
    for return_sequences in [false, true] {
        let mut g = Graph::new();
        let x = node(&mut g, "x", LayerSpec::Input, &[]);
        let r = node(
            &mut g,
            "rnn",
            LayerSpec::SimpleRnn(RnnSpec {
                units: 3,
                return_sequences,
                init: Init::Default,
            }),
            &[x],
        );
        let f = node(&mut g, "flat", LayerSpec::Flatten, &[r]);
        node(&mut g, "out", dense(3), &[f]);
        let (p, a, info) = classify(g, vec![5, 2]);
        let mut tracer = Tracer::new(&p, &a, &info, None).unwrap();
        let t = tracer.trace(&sample(10), &SampleTarget::Class(0)).unwrap();
        // weight_ih 3×2, weight_hh 3×3, two biases of 3.
        assert_eq!(all_add_up(&t, r), 6 + 9 + 3 + 3);
        let w = working(&t, r, "weight_ih", 3).unwrap();
        assert_eq!(w.symbol, "W_ih,₂,₂");
        assert!(w.text().starts_with("∂L/∂W_ih,₂,₂ = Σ_t δ₂(t) · x₂(t) = "));
    }
}
