//! Changing a run while it trains, through the trainer's commands: the
//! spiral scenario of issue #18 (train, widen "hidden 1" to 48, insert a
//! Dense after "relu 1", train on), settings from the next batch, a change
//! the live network cannot take, new generated data, and the edits in
//! the run's record.

use std::time::{Duration, Instant};

use neuroglass::model::{LayerSpec, NodeId, Project};
use neuroglass::surgery::Edit;
use neuroglass::trainer::record::{RecordRequest, RecordTo};
use neuroglass::trainer::{Session, Trainer, TrainerCommand, TrainerEvent};

const WAIT: Duration = Duration::from_secs(120);

fn spiral() -> Project {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/spiral.ron");
    neuroglass::project::load(&path).unwrap()
}

fn edited(p: &Project, e: &Edit) -> Project {
    let info = neuroglass::model::data_info(&p.data).unwrap();
    let a = neuroglass::model::analyze(&p.graph, Some(&info), &p.training);
    let (graph, _) = neuroglass::surgery::edit::apply(&p.graph, e, |id| {
        a.nodes.get(&id).and_then(|n| n.out_shape.clone())
    })
    .unwrap();
    let mut q = p.clone();
    q.graph = graph;
    q
}

/// Waits for the first event `pick` accepts, collecting the others.
fn wait_for<T>(
    t: &Trainer,
    seen: &mut Vec<TrainerEvent>,
    pick: impl Fn(&TrainerEvent) -> Option<T>,
) -> T {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if let Some(e) = t.recv_timeout(Duration::from_millis(100)) {
            if let Some(x) = pick(&e) {
                return x;
            }
            if let TrainerEvent::Failed { message } = &e {
                panic!("the trainer failed: {message}");
            }
            seen.push(e);
        }
    }
    panic!("timed out");
}

fn accuracy(s: &mut Session) -> f64 {
    s.end_epoch(0).unwrap().val_metric
}

/// The "Done when", on the session the trainer runs: outputs right
/// after the edits equal those before, and the run ends at least as
/// accurate as it was before them.
#[test]
fn spiral_widen_and_insert_keep_outputs_and_train_on() {
    let p = spiral();
    let mut s = Session::from_project(&p, None).unwrap();
    let mut step = 0u64;
    let mut train = |s: &mut Session, epochs: std::ops::Range<usize>| {
        for epoch in epochs {
            s.begin_epoch(epoch);
            while !s.epoch_done() {
                s.train_batch(epoch, step).unwrap();
                step += 1;
            }
        }
    };
    // Ten epochs: past the first steps, far from every sample right.
    train(&mut s, 1..11);
    let before = s.validation_outputs().unwrap();
    let acc_before = accuracy(&mut s);
    let wide = edited(
        &p,
        &Edit::Widen {
            node: "hidden 1".into(),
            units: 48,
        },
    );
    let o1 = s.restructure(&wide).unwrap();
    let deeper = edited(
        &wide,
        &Edit::InsertAfter {
            node: "relu 1".into(),
            kind: "dense".into(),
        },
    );
    let o2 = s.restructure(&deeper).unwrap();
    let after = s.validation_outputs().unwrap();
    let change = before
        .iter()
        .zip(after.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(change <= 1e-5, "largest output change {change}");
    assert!(
        o1.preserved() && o2.preserved(),
        "{} / {}",
        o1.summary(),
        o2.summary()
    );
    train(&mut s, 11..51);
    let acc_after = accuracy(&mut s);
    eprintln!("accuracy {acc_before} before the edits, {acc_after} at the end");
    assert!(
        acc_after >= acc_before && acc_before < 1.0,
        "accuracy {acc_before} before the edits, {acc_after} at the end"
    );
}

#[test]
fn the_trainer_applies_edits_and_settings_and_records_them() {
    let dir = std::env::temp_dir().join(format!("ng-live-edit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut p = spiral();
    p.training.epochs = 12;
    let t = Trainer::spawn(None).unwrap();
    let store = neuroglass::runs::RunStore::at(vec![dir.join("spiral.runs")]);
    let mut req = RecordRequest::project(p.clone(), None);
    req.to = RecordTo::Store(store.clone());
    t.send(TrainerCommand::RecordNext(Box::new(req))).unwrap();
    t.send(TrainerCommand::StartProject {
        project: Box::new(p.clone()),
        dir: None,
        paused: true,
        weights: None,
    })
    .unwrap();
    let mut seen = Vec::new();
    t.send(TrainerCommand::Step(60)).unwrap();
    let paused = wait_for(&t, &mut seen, |e| match e {
        TrainerEvent::Paused { step } if *step > 0 => Some(*step),
        _ => None,
    });
    assert_eq!(paused, 60);
    // A structural edit on the paused run.
    let wide = edited(
        &p,
        &Edit::Widen {
            node: "hidden 1".into(),
            units: 48,
        },
    );
    t.send(TrainerCommand::Restructure {
        project: Box::new(wide.clone()),
        what: "widen hidden 1".into(),
    })
    .unwrap();
    let (step, result, layers) = wait_for(&t, &mut seen, |e| match e {
        TrainerEvent::Edited {
            step,
            result,
            layers,
            ..
        } => Some((*step, result.clone(), layers.clone())),
        _ => None,
    });
    assert_eq!(step, 60);
    assert!(result.starts_with("function preserved"), "{result}");
    assert!(
        layers.iter().any(|l| l.contains("grown 32 → 48")),
        "{layers:?}"
    );
    // Settings from the next batch: a new learning rate and SGD.
    let mut cfg = wide.training.clone();
    cfg.learning_rate = 0.05;
    cfg.optimizer = neuroglass::model::OptimizerSpec::sgd();
    t.send(TrainerCommand::SetConfig(Box::new(cfg))).unwrap();
    let what = wait_for(&t, &mut seen, |e| match e {
        TrainerEvent::Edited { what, .. } => Some(what.clone()),
        _ => None,
    });
    assert!(
        what.contains("optimizer Adam → SGD (its state starts fresh)"),
        "{what}"
    );
    assert!(what.contains("learning rate 0.01 → 0.05"), "{what}");
    // A change the live network cannot take: a convolution on 2 features.
    let mut bad = wide.clone();
    if let Some(n) = bad.graph.node_mut(NodeId(3)) {
        n.spec = LayerSpec::Conv2D(Default::default());
    }
    t.send(TrainerCommand::Restructure {
        project: Box::new(bad),
        what: "conv".into(),
    })
    .unwrap();
    let reason = wait_for(&t, &mut seen, |e| match e {
        TrainerEvent::EditRefused { reason } => Some(reason.clone()),
        _ => None,
    });
    assert!(reason.contains("cannot take this change"), "{reason}");
    // Generated data with more samples and more noise, from the next batch.
    let mut data = wide.data.clone();
    if let neuroglass::model::DataSource::Generated { samples, noise, .. } = &mut data.source {
        *samples = 800;
        *noise = 0.2;
    }
    t.send(TrainerCommand::SetData {
        data: Box::new(data),
        dir: None,
    })
    .unwrap();
    let what = wait_for(&t, &mut seen, |e| match e {
        TrainerEvent::Edited { what, .. } => Some(what.clone()),
        _ => None,
    });
    assert!(what.contains("480 → 640 training"), "{what}");
    // Training goes on to the end, from the widened network.
    t.send(TrainerCommand::Resume).unwrap();
    wait_for(&t, &mut seen, |e| {
        matches!(e, TrainerEvent::Finished { .. }).then_some(())
    });
    t.send(TrainerCommand::RequestWeights).unwrap();
    let w = wait_for(&t, &mut seen, |e| match e {
        TrainerEvent::Weights(w) => Some(w.clone()),
        _ => None,
    });
    let hidden = w.iter().find(|e| e.0 == "n1_hidden_1.weight").unwrap();
    assert_eq!(hidden.1, vec![48, 2]);
    t.shutdown();
    // The record lists both edits, with the steps they took effect after.
    let start = Instant::now();
    let record = loop {
        let mut listing = store.list();
        if listing
            .runs
            .first()
            .is_some_and(|r| r.file.stopped.is_some())
        {
            break listing.runs.remove(0);
        }
        assert!(start.elapsed() < WAIT, "the record was not finished");
        std::thread::sleep(Duration::from_millis(50));
    };
    let file = record.file.clone();
    assert_eq!(file.edits.len(), 3, "{:?}", file.edits);
    assert_eq!(file.edits[0].step, 60);
    assert!(
        file.edits[0].what.contains("function preserved"),
        "{:?}",
        file.edits
    );
    assert!(file.edits[1].what.contains("SGD"), "{:?}", file.edits);
    assert!(
        file.edits[2].what.contains("640 training"),
        "{:?}",
        file.edits
    );
    // The timeline shows checkpoints on both sides of the change, each
    // with the network it was taken from.
    let units = |p: &Project| match &p.graph.node(NodeId(1)).unwrap().spec {
        LayerSpec::Dense(d) => d.units,
        other => panic!("{other:?}"),
    };
    let mut replay = neuroglass::trainer::replay::Replay::open(record.clone()).unwrap();
    let steps: Vec<u64> = file.checkpoints.iter().map(|c| c.step).collect();
    let (early, late) = (
        *steps.iter().find(|s| **s > 0 && **s <= 60).unwrap(),
        *steps.last().unwrap(),
    );
    assert!(late > 60);
    for (step, wanted) in [(late, 48), (early, 32), (late, 48)] {
        let snap = replay.snapshot_at(step).unwrap();
        assert_eq!(snap.step, step);
        assert_eq!(
            units(replay.project()),
            neuroglass::model::Units::Fixed(wanted),
            "at step {step}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
