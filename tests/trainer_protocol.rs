//! The trainer thread's protocol, driven without a window.

use std::time::{Duration, Instant};

use ndarray::{Array2, ArrayView2, array};
use neuroglass::engine::{Ctx, Layer, NetNode, Network, Source};
use neuroglass::model::compile::compile;
use neuroglass::model::*;
use neuroglass::trainer::*;

const WAIT: Duration = Duration::from_secs(60);

fn xor_data(n: usize) -> TrainData {
    let mut x = Array2::zeros((n, 2));
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let a = ((i * 7919) % 1000) as f32 / 500.0 - 1.0;
        let b = ((i * 104_729) % 997) as f32 / 498.5 - 1.0;
        x[[i, 0]] = a;
        x[[i, 1]] = b;
        y.push(((a > 0.0) != (b > 0.0)) as u32);
    }
    let split = n * 4 / 5;
    TrainData {
        train_x: x.slice(ndarray::s![..split, ..]).to_owned(),
        train_y: Labels::Classes(y[..split].to_vec()),
        val_x: x.slice(ndarray::s![split.., ..]).to_owned(),
        val_y: Labels::Classes(y[split..].to_vec()),
        classes: Some(2),
        plane: None,
        raw_x1: None,
    }
}

fn xor_session(config: TrainConfig, samples: usize) -> Box<Session> {
    Box::new(Session::new(
        xor_compiled(&config),
        xor_data(samples),
        config,
    ))
}

fn xor_compiled(config: &TrainConfig) -> neuroglass::model::Compiled<f32> {
    let mut g = Graph::new();
    let i = g.add_node("in", LayerSpec::Input, [0.0, 0.0]);
    let h = g.add_node(
        "hidden",
        LayerSpec::Dense(DenseSpec {
            units: Units::Fixed(16),
            ..Default::default()
        }),
        [0.0, 0.0],
    );
    let t = g.add_node("tanh", LayerSpec::Activation(Activation::Tanh), [0.0, 0.0]);
    let o = g.add_node(
        "out",
        LayerSpec::Dense(DenseSpec {
            units: Units::Auto,
            ..Default::default()
        }),
        [0.0, 0.0],
    );
    g.connect(i, h).unwrap();
    g.connect(h, t).unwrap();
    g.connect(t, o).unwrap();
    let info = DataInfo {
        input_shape: vec![2],
        classes: Some(2),
        targets: 1,
    };
    let a = analyze(&g, Some(&info), config);
    assert!(!a.has_errors());
    compile::<f32>(&g, &a, &info, config, config.seed).unwrap()
}

fn config() -> TrainConfig {
    TrainConfig {
        learning_rate: 0.05,
        batch_size: 16,
        epochs: 30,
        ..TrainConfig::default()
    }
}

/// Collects events until `stop` says so (or panics after a minute).
fn collect(t: &Trainer, mut stop: impl FnMut(&TrainerEvent) -> bool) -> Vec<TrainerEvent> {
    let start = Instant::now();
    let mut v = Vec::new();
    while start.elapsed() < WAIT {
        if let Some(e) = t.recv_timeout(Duration::from_millis(100)) {
            let done = stop(&e);
            v.push(e);
            if done {
                return v;
            }
        }
    }
    panic!("timed out; got {} events, last {:?}", v.len(), v.last());
}

/// The epoch metrics among `events`, in order.
fn epochs_of(events: &[TrainerEvent]) -> Vec<EpochMetrics> {
    events
        .iter()
        .filter_map(|e| match e {
            TrainerEvent::Epoch(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

/// How many steps' losses `events` carry.
fn step_count(events: &[TrainerEvent]) -> usize {
    events
        .iter()
        .map(|e| match e {
            TrainerEvent::Progress(p) => p.steps.len(),
            _ => 0,
        })
        .sum()
}

fn finished(e: &TrainerEvent) -> bool {
    matches!(
        e,
        TrainerEvent::Finished { .. } | TrainerEvent::Failed { .. }
    )
}

#[test]
fn a_run_completes_in_order_and_learns_xor() {
    let t = Trainer::spawn(None).unwrap();
    t.send(TrainerCommand::Start {
        session: xor_session(config(), 400),
        paused: false,
    })
    .unwrap();
    let events = collect(&t, finished);
    assert!(matches!(
        events[0],
        TrainerEvent::Started {
            epochs: 30,
            batches_per_epoch: 20,
            train_samples: 320,
            validation_samples: 80
        }
    ));
    let epochs = epochs_of(&events);
    assert_eq!(epochs.len(), 30);
    assert!(epochs.windows(2).all(|w| w[1].epoch == w[0].epoch + 1));
    let steps = step_count(&events);
    assert_eq!(steps, 30 * 20, "every step's loss arrives");
    match events.last().unwrap() {
        TrainerEvent::Finished {
            reason: FinishReason::Completed,
            last: Some(m),
            ..
        } => {
            assert!(m.val_metric >= 0.9, "validation accuracy {}", m.val_metric);
            assert!(m.val_loss < epochs[0].val_loss);
        }
        other => panic!("{other:?}"),
    }
    t.shutdown();
}

#[test]
fn pause_step_resume_stop() {
    let t = Trainer::spawn(None).unwrap();
    t.send(TrainerCommand::Start {
        session: xor_session(
            TrainConfig {
                epochs: 1000,
                ..config()
            },
            400,
        ),
        paused: true,
    })
    .unwrap();
    collect(&t, |e| matches!(e, TrainerEvent::Paused { step: 0 }));
    t.send(TrainerCommand::Step(3)).unwrap();
    let ev = collect(&t, |e| matches!(e, TrainerEvent::Paused { .. }));
    assert!(
        matches!(ev.last(), Some(TrainerEvent::Paused { step: 3 })),
        "{:?}",
        ev.last()
    );
    let steps = step_count(&ev);
    assert_eq!(steps, 3);
    // Nothing happens while paused.
    assert!(t.recv_timeout(Duration::from_millis(200)).is_none());
    t.send(TrainerCommand::Resume).unwrap();
    collect(&t, |e| matches!(e, TrainerEvent::Epoch(m) if m.epoch >= 2));
    t.send(TrainerCommand::Pause).unwrap();
    let ev = collect(&t, |e| matches!(e, TrainerEvent::Paused { .. }));
    let TrainerEvent::Paused { step } = ev.last().unwrap() else {
        unreachable!()
    };
    assert!(*step > 3);
    t.send(TrainerCommand::Stop).unwrap();
    let ev = collect(&t, finished);
    assert!(matches!(
        ev.last(),
        Some(TrainerEvent::Finished {
            reason: FinishReason::Stopped,
            ..
        })
    ));
}

#[test]
fn learning_rate_changes_on_the_next_batch() {
    let t = Trainer::spawn(None).unwrap();
    t.send(TrainerCommand::Start {
        session: xor_session(config(), 400),
        paused: true,
    })
    .unwrap();
    collect(&t, |e| matches!(e, TrainerEvent::Paused { .. }));
    t.send(TrainerCommand::SetLearningRate(0.125)).unwrap();
    t.send(TrainerCommand::Step(1)).unwrap();
    let ev = collect(&t, |e| matches!(e, TrainerEvent::Paused { .. }));
    let p = ev
        .iter()
        .find_map(|e| match e {
            TrainerEvent::Progress(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(p.steps[0].lr, 0.125);
    assert_eq!(p.lr, 0.125);
}

#[test]
fn divergence_is_diagnosed() {
    let t = Trainer::spawn(None).unwrap();
    let cfg = TrainConfig {
        learning_rate: 1e30,
        optimizer: OptimizerSpec::sgd(),
        ..config()
    };
    t.send(TrainerCommand::Start {
        session: xor_session(cfg, 400),
        paused: false,
    })
    .unwrap();
    let ev = collect(&t, finished);
    match ev.last().unwrap() {
        TrainerEvent::Finished {
            reason: FinishReason::Diverged { diagnosis },
            ..
        } => {
            assert!(diagnosis.contains("loss became"), "{diagnosis}");
            assert!(diagnosis.contains("too high for SGD"), "{diagnosis}");
        }
        other => panic!("{other:?}"),
    }
}

/// A layer that panics on its 5th forward pass.
struct Bomb(usize);
impl Layer<f32> for Bomb {
    fn kind(&self) -> &'static str {
        "Bomb"
    }
    fn output_len(&self) -> usize {
        2
    }
    fn forward(&mut self, inputs: &[ArrayView2<f32>], out: &mut Array2<f32>, _: &mut Ctx) {
        self.0 += 1;
        assert!(self.0 < 5, "boom");
        out.assign(&inputs[0]);
    }
    fn backward(
        &mut self,
        _: &[ArrayView2<f32>],
        _: ArrayView2<f32>,
        g: ArrayView2<f32>,
        gi: &mut [Array2<f32>],
    ) {
        if let Some(d) = gi.first_mut() {
            d.assign(&g);
        }
    }
}

#[test]
fn a_panic_becomes_failed_and_the_thread_lives_on() {
    let t = Trainer::spawn(None).unwrap();
    let net = Network::new(
        2,
        vec![NetNode {
            name: "bomb".into(),
            layer: Box::new(Bomb(0)),
            inputs: vec![Source::Input],
        }],
        0,
        1,
    )
    .unwrap();
    let compiled = neuroglass::model::Compiled {
        network: net,
        loss: neuroglass::engine::loss::Loss::SoftmaxCrossEntropy,
        node_ids: vec![NodeId(0)],
        folded_output: None,
    };
    let session = Box::new(Session::new(compiled, xor_data(100), config()));
    t.send(TrainerCommand::Start {
        session,
        paused: false,
    })
    .unwrap();
    let ev = collect(&t, finished);
    match ev.last().unwrap() {
        TrainerEvent::Failed { message } => assert!(message.contains("boom"), "{message}"),
        other => panic!("{other:?}"),
    }
    // The thread still serves a new run.
    t.send(TrainerCommand::Start {
        session: xor_session(
            TrainConfig {
                epochs: 1,
                ..config()
            },
            100,
        ),
        paused: false,
    })
    .unwrap();
    let ev = collect(&t, finished);
    assert!(matches!(
        ev.last(),
        Some(TrainerEvent::Finished {
            reason: FinishReason::Completed,
            ..
        })
    ));
    assert!(t.is_alive());
}

#[test]
fn same_seed_same_numbers() {
    let run = || {
        let t = Trainer::spawn(None).unwrap();
        t.send(TrainerCommand::Start {
            session: xor_session(
                TrainConfig {
                    epochs: 5,
                    ..config()
                },
                200,
            ),
            paused: false,
        })
        .unwrap();
        collect(&t, finished)
            .into_iter()
            .filter_map(|e| match e {
                TrainerEvent::Epoch(m) => Some((m.train_loss, m.val_loss, m.val_metric)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let a = run();
    assert_eq!(a.len(), 5);
    assert_eq!(a, run());
}

#[test]
fn progress_is_coalesced_and_loses_no_step() {
    // Tiny epochs: thousands of steps a second.
    let t = Trainer::spawn(None).unwrap();
    let cfg = TrainConfig {
        epochs: 3000,
        batch_size: 8,
        ..config()
    };
    let start = Instant::now();
    t.send(TrainerCommand::Start {
        session: xor_session(cfg, 20),
        paused: false,
    })
    .unwrap();
    let ev = collect(&t, finished);
    let secs = start.elapsed().as_secs_f64();
    let progress = ev
        .iter()
        .filter(|e| matches!(e, TrainerEvent::Progress(_)))
        .count();
    let steps = step_count(&ev);
    assert_eq!(steps, 3000 * 2);
    assert!(
        progress as f64 <= secs * 62.5 + 2.0,
        "{progress} progress events in {secs:.2} s"
    );
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, TrainerEvent::Epoch(_)))
            .count(),
        3000
    );
}

#[test]
fn a_watcher_that_never_reads_does_not_block_training() {
    let t = Trainer::spawn(None).unwrap();
    let cfg = TrainConfig {
        epochs: 2000,
        batch_size: 8,
        ..config()
    };
    t.send(TrainerCommand::Start {
        session: xor_session(cfg, 20),
        paused: false,
    })
    .unwrap();
    // 2000 epoch events overflow the bounded channel; the trainer keeps going.
    std::thread::sleep(Duration::from_millis(300));
    let ev = collect(&t, finished);
    assert!(ev.len() > 256);
    drop(t); // joins
}

#[test]
fn snapshot_on_request_and_reset() {
    let t = Trainer::spawn(None).unwrap();
    t.send(TrainerCommand::Start {
        session: xor_session(config(), 200),
        paused: true,
    })
    .unwrap();
    t.send(TrainerCommand::Step(2)).unwrap();
    t.send(TrainerCommand::RequestSnapshot).unwrap();
    let ev = collect(&t, |e| matches!(e, TrainerEvent::Snapshot(_)));
    let TrainerEvent::Snapshot(s) = ev.last().unwrap() else {
        unreachable!()
    };
    assert_eq!(s.layers.len(), 4);
    assert!(s.layers[1].weights.is_some());
    assert!(s.layers[1].grad_norm > 0.0);
    assert_eq!(s.confusion.as_ref().map(|c| c.len()), Some(2));
    t.send(TrainerCommand::ResetWeights).unwrap();
    collect(&t, |e| matches!(e, TrainerEvent::WeightsReset));
    let _ = array![[0.0f32]];
}

#[test]
fn target_accuracy_stops_the_run() {
    let t = Trainer::spawn(None).unwrap();
    let cfg = TrainConfig {
        epochs: 500,
        target_accuracy: Some(0.9),
        ..config()
    };
    t.send(TrainerCommand::Start {
        session: xor_session(cfg, 400),
        paused: false,
    })
    .unwrap();
    let ev = collect(&t, finished);
    match ev.last().unwrap() {
        TrainerEvent::Finished {
            reason: FinishReason::TargetReached(what),
            last: Some(m),
            ..
        } => {
            assert_eq!(what, "accuracy 0.9");
            assert!(m.val_metric >= 0.9 && m.epoch < 500);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn early_stopping_restores_the_best_weights() {
    // A tiny, noisy training set overfits quickly: validation loss turns.
    let t = Trainer::spawn(None).unwrap();
    let cfg = TrainConfig {
        epochs: 2000,
        learning_rate: 0.05,
        batch_size: 4,
        early_stopping: Some(EarlyStopping {
            patience: 5,
            restore_best: true,
        }),
        ..config()
    };
    t.send(TrainerCommand::Start {
        session: xor_session(cfg.clone(), 30),
        paused: false,
    })
    .unwrap();
    let ev = collect(&t, finished);
    let epochs = epochs_of(&ev);
    match ev.last().unwrap() {
        TrainerEvent::Finished {
            reason: FinishReason::EarlyStopped { best_epoch },
            ..
        } => {
            let best = epochs
                .iter()
                .min_by(|a, b| a.val_loss.total_cmp(&b.val_loss))
                .unwrap();
            assert_eq!(*best_epoch, best.epoch);
            assert_eq!(
                epochs.len(),
                best.epoch + 5,
                "stops after `patience` epochs without improvement"
            );
        }
        other => panic!("{other:?}"),
    }
    // The weights now are the best epoch's: evaluating them gives its loss.
    let best = epochs
        .iter()
        .min_by(|a, b| a.val_loss.total_cmp(&b.val_loss))
        .unwrap();
    t.send(TrainerCommand::RequestWeights).unwrap();
    let ev = collect(&t, |e| matches!(e, TrainerEvent::Weights(_)));
    let Some(TrainerEvent::Weights(w)) = ev.last() else {
        unreachable!()
    };
    let mut c = xor_compiled(&cfg);
    c.network.load_state_dict(w).unwrap();
    let data = xor_data(30);
    let Labels::Classes(labels) = &data.val_y else {
        unreachable!()
    };
    let targets = neuroglass::engine::loss::Targets::Classes(labels);
    let (val, _) = c
        .network
        .evaluate(data.val_x.view(), &targets, c.loss, 64)
        .unwrap();
    assert!(
        (val - best.val_loss).abs() < 1e-6,
        "{val} vs best {}",
        best.val_loss
    );
}

#[test]
fn shutdown_joins_the_thread_promptly() {
    let t = Trainer::spawn(None).unwrap();
    t.send(TrainerCommand::Start {
        session: xor_session(
            TrainConfig {
                epochs: 1_000_000,
                ..config()
            },
            400,
        ),
        paused: false,
    })
    .unwrap();
    collect(&t, |e| matches!(e, TrainerEvent::Epoch(_)));
    let start = Instant::now();
    t.shutdown();
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn start_project_builds_on_the_trainer_thread_and_reports_bad_data() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let t = Trainer::spawn(None).unwrap();
    let mut p = neuroglass::project::load(&root.join("projects/xor.ron")).unwrap();
    p.training.epochs = 2;
    t.send(TrainerCommand::StartProject {
        project: Box::new(p.clone()),
        dir: Some(root.join("projects")),
        paused: false,
        weights: None,
    })
    .unwrap();
    let ev = collect(&t, finished);
    assert!(matches!(
        ev.first(),
        Some(TrainerEvent::Started { epochs: 2, .. })
    ));
    assert!(matches!(
        ev.last(),
        Some(TrainerEvent::Finished {
            reason: FinishReason::Completed,
            ..
        })
    ));
    p.data.source = DataSource::Csv {
        path: "missing.csv".into(),
        target: None,
        classification: true,
        drop_empty: false,
        drop_bad: false,
    };
    t.send(TrainerCommand::StartProject {
        project: Box::new(p),
        dir: Some(root.join("projects")),
        paused: false,
        weights: None,
    })
    .unwrap();
    let ev = collect(&t, finished);
    match ev.last().unwrap() {
        TrainerEvent::Failed { message } => assert!(message.contains("missing.csv"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn slow_motion_waits_after_each_batch_and_still_obeys_pause() {
    let t = Trainer::spawn(None).unwrap();
    // 2 epochs × 5 batches of 16 = 10 batches.
    let cfg = TrainConfig {
        epochs: 2,
        batch_size: 16,
        ..config()
    };
    t.send(TrainerCommand::Start {
        session: xor_session(cfg, 100),
        paused: true,
    })
    .unwrap();
    collect(&t, |e| matches!(e, TrainerEvent::Paused { .. }));
    t.send(TrainerCommand::SetStepDelay(Duration::from_millis(30)))
        .unwrap();
    let start = Instant::now();
    t.send(TrainerCommand::Resume).unwrap();
    collect(
        &t,
        |e| matches!(e, TrainerEvent::Progress(p) if p.step >= 3),
    );
    t.send(TrainerCommand::Pause).unwrap();
    let ev = collect(&t, |e| matches!(e, TrainerEvent::Paused { .. }));
    let TrainerEvent::Paused { step } = ev.last().unwrap() else {
        unreachable!()
    };
    assert!(*step < 10, "paused mid-run at step {step}");
    t.send(TrainerCommand::SetStepDelay(Duration::ZERO))
        .unwrap();
    t.send(TrainerCommand::Resume).unwrap();
    collect(&t, finished);
    // At least the waits after the first three batches happened.
    assert!(start.elapsed() >= Duration::from_millis(60));
}

#[test]
fn snapshots_carry_the_shapes_of_the_run_that_made_them() {
    // The views draw images and feature maps with these shapes, not with
    // the project's (which may have changed since the run started).
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let t = Trainer::spawn(None).unwrap();
    let p = neuroglass::project::load(&root.join("projects/mnist_cnn.ron")).unwrap();
    t.send(TrainerCommand::StartProject {
        project: Box::new(p),
        dir: Some(root.join("projects")),
        paused: true,
        weights: None,
    })
    .unwrap();
    t.send(TrainerCommand::RequestSnapshot).unwrap();
    let start = Instant::now();
    let snap = loop {
        assert!(start.elapsed() < WAIT, "no snapshot");
        match t.recv_timeout(WAIT) {
            Some(TrainerEvent::Snapshot(s)) => break s,
            Some(TrainerEvent::Failed { message }) => panic!("{message}"),
            _ => {}
        }
    };
    assert_eq!(snap.input_shape, vec![1, 28, 28]);
    assert_eq!(snap.image_size(), Some([28, 28]));
    let input = &snap.feature_maps[0];
    assert_eq!(
        (input.node, input.shape.as_slice()),
        (None, &[1, 28, 28][..])
    );
    assert_eq!(input.values.len(), 28 * 28);
    let spatial = snap.feature_maps[1..]
        .iter()
        .filter(|f| f.shape.len() == 3)
        .count();
    assert!(spatial >= 2, "the conv and pool layers' maps are c×h×w");
    for f in &snap.feature_maps[1..] {
        assert!(f.node.is_some());
        let n: usize = f.shape.iter().product();
        assert_eq!(f.values.len(), n.min(16 * 28 * 28), "{:?}", f.shape);
    }
    t.send(TrainerCommand::Stop).unwrap();
}
