use ndarray::{Array2, Axis, array};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::engine::activation::{Act, ActivationLayer};
use crate::engine::bench::mlp;
use crate::engine::dense::Dense;
use crate::engine::dropout::Dropout;
use crate::engine::gradcheck::{STEP, random};
use crate::engine::init::InitKind;
use crate::engine::merge::{Add, Concatenate};
use crate::engine::metrics::accuracy;
use crate::engine::optim::OptimizerKind;

fn node<F: Float>(name: &str, layer: impl Layer<F> + 'static, inputs: Vec<Source>) -> NetNode<F> {
    NetNode {
        name: name.into(),
        layer: Box::new(layer),
        inputs,
    }
}

/// input(4) ─┬─ dense a(5) ─ tanh ─┐
///           ├─ dense b(5) ────────┴─ add ─┐
///           └─────────────────────────────┴─ concat(9) ─ dense out(3)
fn branchy(seed: u64) -> Network<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nodes = vec![
        node(
            "a",
            Dense::new(4, 5, true, InitKind::XavierUniform, &mut rng),
            vec![Source::Input],
        ),
        node(
            "a_act",
            ActivationLayer::new(Act::Tanh, 5),
            vec![Source::Node(0)],
        ),
        node(
            "b",
            Dense::new(4, 5, true, InitKind::XavierUniform, &mut rng),
            vec![Source::Input],
        ),
        node(
            "add",
            Add::new(5, 2),
            vec![Source::Node(1), Source::Node(2)],
        ),
        node(
            "cat",
            Concatenate::new(vec![vec![5], vec![4]]),
            vec![Source::Node(3), Source::Input],
        ),
        node(
            "out",
            Dense::new(9, 3, true, InitKind::XavierUniform, &mut rng),
            vec![Source::Node(4)],
        ),
    ];
    Network::new(4, nodes, 5, seed).unwrap()
}

fn weighted_output(net: &mut Network<f64>, x: &Array2<f64>, g: &Array2<f64>) -> f64 {
    (&net.forward(x.view(), Mode::Train).unwrap() * g).sum()
}

#[test]
fn branching_network_passes_an_end_to_end_gradient_check() {
    for (batch, seed) in [(3, 1), (1, 2)] {
        let mut net = branchy(seed);
        net.set_input_grad(true);
        let x = random(batch, 4, seed + 10);
        let g = random(batch, 3, seed + 20);
        net.forward(x.view(), Mode::Train).unwrap();
        net.backward(g.view()).unwrap();
        let gx = net.input_grad().unwrap().to_owned();
        let gp: Vec<Array2<f64>> = net.params().map(|p| p.grad.clone()).collect();
        let judge = |a: f64, n: f64, what: &str| {
            let e = (a - n).abs() / 1f64.max(a.abs()).max(n.abs());
            assert!(e < 1e-6, "{what}: analytic {a}, numeric {n}");
        };
        let mut xp = x.clone();
        for r in 0..batch {
            for c in 0..4 {
                xp[[r, c]] = x[[r, c]] + STEP;
                let lp = weighted_output(&mut net, &xp, &g);
                xp[[r, c]] = x[[r, c]] - STEP;
                let lm = weighted_output(&mut net, &xp, &g);
                xp[[r, c]] = x[[r, c]];
                judge(
                    gx[[r, c]],
                    (lp - lm) / (2.0 * STEP),
                    &format!("input [{r}, {c}]"),
                );
            }
        }
        for (k, analytic) in gp.iter().enumerate() {
            for e in 0..analytic.len() {
                let (r, c) = (e / analytic.ncols(), e % analytic.ncols());
                let orig = net.params().nth(k).unwrap().value[[r, c]];
                net.params_mut().nth(k).unwrap().value[[r, c]] = orig + STEP;
                let lp = weighted_output(&mut net, &x, &g);
                net.params_mut().nth(k).unwrap().value[[r, c]] = orig - STEP;
                let lm = weighted_output(&mut net, &x, &g);
                net.params_mut().nth(k).unwrap().value[[r, c]] = orig;
                judge(
                    analytic[[r, c]],
                    (lp - lm) / (2.0 * STEP),
                    &format!("param {k} [{r}, {c}]"),
                );
            }
        }
    }
}

#[test]
fn xor_reaches_full_accuracy() {
    let x = array![[0.0f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let labels = [0u32, 1, 1, 0];
    let t = Targets::Classes(&labels);
    let mut net = mlp::<f32>(&[2, 8, 1], Act::Tanh, InitKind::XavierUniform, 7).unwrap();
    let mut opt = Optimizer::new(OptimizerKind::adam());
    let loss = Loss::BinaryCrossEntropyWithLogits;
    let first = net.train_step(x.view(), &t, loss, &mut opt, 0.05).unwrap();
    let mut last = first;
    for _ in 0..300 {
        last = net.train_step(x.view(), &t, loss, &mut opt, 0.05).unwrap();
    }
    assert!(last < first * 0.1, "loss {first} → {last}");
    let pred = net.predict(x.view(), 3).unwrap();
    assert_eq!(accuracy(pred.view(), &labels), 1.0, "{pred}");
}

#[test]
fn linear_regression_recovers_its_coefficients() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x = Array2::from_shape_fn((64, 2), |_| rng.random_range(-1.0f32..1.0));
    let y = x
        .map_axis(Axis(1), |r| 3.0 * r[0] - 2.0 * r[1] + 0.5)
        .insert_axis(Axis(1));
    let mut net = mlp::<f32>(&[2, 1], Act::Linear, InitKind::TorchDefault, 1).unwrap();
    let mut opt = Optimizer::new(OptimizerKind::Sgd {
        momentum: 0.9,
        nesterov: false,
    });
    for _ in 0..200 {
        net.train_step(
            x.view(),
            &Targets::Values(y.view()),
            Loss::Mse,
            &mut opt,
            0.1,
        )
        .unwrap();
    }
    let w = &net.node_params(0)[0].value;
    let b = &net.node_params(0)[1].value;
    assert!((w[[0, 0]] - 3.0).abs() < 1e-2, "{w}");
    assert!((w[[0, 1]] + 2.0).abs() < 1e-2, "{w}");
    assert!((b[[0, 0]] - 0.5).abs() < 1e-2, "{b}");
    let (l, _) = net
        .evaluate(x.view(), &Targets::Values(y.view()), Loss::Mse, 10)
        .unwrap();
    assert!(l < 1e-4, "{l}");
}

fn dropout_net(seed: u64) -> Network<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nodes = vec![
        node(
            "d0",
            Dense::new(3, 16, true, InitKind::HeNormal, &mut rng),
            vec![Source::Input],
        ),
        node(
            "r0",
            ActivationLayer::new(Act::Relu, 16),
            vec![Source::Node(0)],
        ),
        node("drop", Dropout::new(0.3, 16), vec![Source::Node(1)]),
        node(
            "d1",
            Dense::new(16, 4, true, InitKind::HeNormal, &mut rng),
            vec![Source::Node(2)],
        ),
    ];
    Network::new(3, nodes, 3, seed).unwrap()
}

#[test]
fn same_seed_gives_bit_identical_weights() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let x = Array2::from_shape_fn((16, 3), |_| rng.random_range(-1.0f32..1.0));
    let labels: Vec<u32> = (0..16).map(|i| i % 4).collect();
    let train = |net: &mut Network<f32>| {
        let mut opt = Optimizer::new(OptimizerKind::adam()).with_penalties(1e-4, 1e-3);
        for _ in 0..50 {
            net.train_step(
                x.view(),
                &Targets::Classes(&labels),
                Loss::SoftmaxCrossEntropy,
                &mut opt,
                0.01,
            )
            .unwrap();
        }
        net.state_dict()
    };
    let (mut a, mut b, mut c) = (dropout_net(5), dropout_net(5), dropout_net(6));
    let (sa, sb, sc) = (train(&mut a), train(&mut b), train(&mut c));
    let bits = |s: &[StateEntry<f32>]| -> Vec<u32> {
        s.iter()
            .flat_map(|e| e.2.iter().map(|v| v.to_bits()))
            .collect()
    };
    assert_eq!(bits(&sa), bits(&sb));
    assert_ne!(bits(&sa), bits(&sc));
}

#[test]
fn softmax_output_is_trained_without_a_double_softmax() {
    let build = |with_softmax: bool| {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut nodes = vec![node(
            "d",
            Dense::<f64>::new(3, 4, true, InitKind::XavierUniform, &mut rng),
            vec![Source::Input],
        )];
        if with_softmax {
            nodes.push(node(
                "sm",
                ActivationLayer::new(Act::Softmax, 4),
                vec![Source::Node(0)],
            ));
        }
        let out = nodes.len() - 1;
        Network::new(3, nodes, out, 1).unwrap()
    };
    let (mut logits, mut probs) = (build(false), build(true));
    assert!(probs.ends_in_softmax() && !logits.ends_in_softmax());
    let x = random(5, 3, 3);
    let labels = [0, 1, 2, 3, 1];
    let t = Targets::Classes(&labels);
    let mut o1 = Optimizer::new(OptimizerKind::sgd());
    let mut o2 = Optimizer::new(OptimizerKind::sgd());
    for _ in 0..3 {
        let l1 = logits
            .train_step(x.view(), &t, Loss::SoftmaxCrossEntropy, &mut o1, 0.5)
            .unwrap();
        let l2 = probs
            .train_step(x.view(), &t, Loss::SoftmaxCrossEntropy, &mut o2, 0.5)
            .unwrap();
        assert!((l1 - l2).abs() < 1e-12, "{l1} vs {l2}");
    }
    for (a, b) in logits.params().zip(probs.params()) {
        assert!((&a.value - &b.value).iter().all(|d| d.abs() < 1e-12));
    }
    let (el, _) = probs
        .evaluate(x.view(), &t, Loss::SoftmaxCrossEntropy, 2)
        .unwrap();
    let (el2, _) = logits
        .evaluate(x.view(), &t, Loss::SoftmaxCrossEntropy, 5)
        .unwrap();
    assert!((el - el2).abs() < 1e-12);
}

#[test]
fn steady_state_steps_reuse_their_buffers() {
    let mut net = mlp::<f32>(&[6, 5, 3], Act::Relu, InitKind::TorchDefault, 2).unwrap();
    let mut opt = Optimizer::new(OptimizerKind::adam()).with_clip_norm(Some(1.0));
    let x = Array2::from_elem((8, 6), 0.5f32);
    let labels = [0u32, 1, 2, 0, 1, 2, 0, 1];
    let t = Targets::Classes(&labels);
    let ptrs = |net: &Network<f32>| -> Vec<*const f32> {
        let b = &net.bufs;
        b.outs
            .iter()
            .chain(&b.grads)
            .chain(b.grad_in.iter().flatten())
            .map(|a| a.as_ptr())
            .collect()
    };
    net.train_step(x.view(), &t, Loss::SoftmaxCrossEntropy, &mut opt, 0.01)
        .unwrap();
    let before = ptrs(&net);
    let state: Vec<*const f32> = opt.state.iter().flatten().map(|a| a.as_ptr()).collect();
    net.train_step(x.view(), &t, Loss::SoftmaxCrossEntropy, &mut opt, 0.01)
        .unwrap();
    // A smaller last batch, then the full size again: the buffers come back.
    net.train_step(
        x.slice(s![..3, ..]),
        &t.rows(0, 3),
        Loss::SoftmaxCrossEntropy,
        &mut opt,
        0.01,
    )
    .unwrap();
    net.train_step(x.view(), &t, Loss::SoftmaxCrossEntropy, &mut opt, 0.01)
        .unwrap();
    assert_eq!(before, ptrs(&net));
    let after: Vec<*const f32> = opt.state.iter().flatten().map(|a| a.as_ptr()).collect();
    assert_eq!(state, after);
    assert!(net.last_grad_norm().is_some_and(|n| n > 0.0));
}

#[test]
fn introspection_and_state_dict_round_trip() {
    let mut net = branchy(3);
    assert_eq!(net.num_params(), 2 * (4 * 5 + 5) + 9 * 3 + 3);
    let x = random(2, 4, 1);
    let labels = [0u32, 2];
    let mut opt = Optimizer::new(OptimizerKind::sgd());
    net.train_step(
        x.view(),
        &Targets::Classes(&labels),
        Loss::SoftmaxCrossEntropy,
        &mut opt,
        0.1,
    )
    .unwrap();
    assert_eq!(net.node_output(4).unwrap().dim(), (2, 9));
    assert_eq!(net.node_grad(3).unwrap().dim(), (2, 5));
    let norms = net.grad_norms();
    assert_eq!(norms.iter().map(|n| n.0).collect::<Vec<_>>(), vec![0, 2, 5]);
    assert!(norms.iter().all(|n| n.1 > 0.0));
    let sd = net.state_dict();
    assert_eq!(sd[0].0, "a.weight");
    assert_eq!(sd[0].1, vec![5, 4]);
    let mut other = branchy(4);
    assert_ne!(other.state_dict(), sd);
    other.load_state_dict(&sd).unwrap();
    assert_eq!(other.state_dict(), sd);
    let mut bad = sd.clone();
    bad[0].1 = vec![4, 5];
    assert!(matches!(
        other.load_state_dict(&bad),
        Err(EngineError::Shape { .. })
    ));
    let mut extra = sd.clone();
    extra.push(("ghost.weight".into(), vec![1], vec![0.0]));
    assert!(matches!(
        other.load_state_dict(&extra),
        Err(EngineError::StateDict(_))
    ));
    assert!(other.load_state_dict(&sd[1..]).is_err());
}

#[test]
fn bad_wiring_and_bad_inputs_are_errors() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let forward_ref = vec![node(
        "d",
        Dense::<f64>::new(2, 2, true, InitKind::Zeros, &mut rng),
        vec![Source::Node(0)],
    )];
    assert!(Network::new(2, forward_ref, 0, 0).is_err());
    let ok = vec![node(
        "d",
        Dense::<f64>::new(2, 2, true, InitKind::Zeros, &mut rng),
        vec![Source::Input],
    )];
    assert!(Network::new(2, Vec::<NetNode<f64>>::new(), 0, 0).is_err());
    let mut net = Network::new(2, ok, 0, 0).unwrap();
    assert!(net.forward(random(2, 3, 0).view(), Mode::Eval).is_err());
    let mut opt = Optimizer::new(OptimizerKind::sgd());
    let r = net.train_step(
        random(2, 2, 0).view(),
        &Targets::Classes(&[0]),
        Loss::SoftmaxCrossEntropy,
        &mut opt,
        0.1,
    );
    assert!(r.is_err());
    let r = net.train_step(
        random(1, 2, 0).view(),
        &Targets::Classes(&[5]),
        Loss::SoftmaxCrossEntropy,
        &mut opt,
        0.1,
    );
    assert!(matches!(r, Err(EngineError::ClassOutOfRange { .. })));
}

#[test]
fn a_network_can_move_to_the_trainer_thread() {
    fn assert_send<T: Send>(_: &T) {}
    let net = mlp::<f32>(&[2, 3, 1], Act::Relu, InitKind::TorchDefault, 0).unwrap();
    assert_send(&net);
    let handle = std::thread::spawn(move || net.num_params());
    assert_eq!(handle.join().unwrap(), 2 * 3 + 3 + 3 + 1);
}

#[test]
fn an_input_pass_through_node_costs_no_backward_work() {
    use crate::engine::reshape::Identity;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let nodes = vec![
        node("input", Identity::new("Input", 3), vec![Source::Input]),
        node(
            "d",
            Dense::<f64>::new(3, 2, true, InitKind::XavierUniform, &mut rng),
            vec![Source::Node(0)],
        ),
    ];
    let mut net = Network::new(3, nodes, 1, 0).unwrap();
    let x = random(4, 3, 2);
    let mut opt = Optimizer::new(OptimizerKind::sgd());
    net.train_step(
        x.view(),
        &Targets::Values(random(4, 2, 3).view()),
        Loss::Mse,
        &mut opt,
        0.1,
    )
    .unwrap();
    assert_eq!(
        net.bufs.grad_in[1][0].dim(),
        (4, 0),
        "Dense skips the unused product"
    );
    assert!(net.node_grad(0).is_none() && net.node_grad(1).is_some());
    assert!(net.input_grad().is_none());
    // With the input gradient on, it flows through the pass-through node.
    net.set_input_grad(true);
    net.forward(x.view(), Mode::Train).unwrap();
    net.backward(Array2::from_elem((4, 2), 1.0).view()).unwrap();
    let w = &net.node_params(1)[0].value;
    let want = w.sum_axis(Axis(0));
    for row in net.input_grad().unwrap().rows() {
        assert!((&row - &want).iter().all(|d| d.abs() < 1e-12));
    }
}
