//! The weights the trainer sends are tagged with their own step
//! (`WeightsStep` just before `Weights`), so a trace made from them names
//! the step they are from, not the step of an earlier snapshot.

use std::path::Path;
use std::time::{Duration, Instant};

use neuroglass::trainer::record::RecordRequest;
use neuroglass::trainer::{Trainer, TrainerCommand, TrainerEvent};

/// Events until `stop` says so (a minute at most).
fn until(t: &Trainer, mut stop: impl FnMut(&TrainerEvent) -> bool) -> Vec<TrainerEvent> {
    let start = Instant::now();
    let mut v = Vec::new();
    while start.elapsed() < Duration::from_secs(60) {
        if let Some(e) = t.recv_timeout(Duration::from_millis(100)) {
            let done = stop(&e);
            v.push(e);
            if done {
                return v;
            }
        }
    }
    panic!("timed out; events: {}", v.len());
}

#[test]
fn weights_come_with_the_step_they_are_from() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = neuroglass::project::load(&root.join("projects/xor.ron")).unwrap();
    let t = Trainer::spawn(None).unwrap();
    t.send(TrainerCommand::RecordNext(Box::new(RecordRequest::off())))
        .unwrap();
    t.send(TrainerCommand::StartProject {
        project: Box::new(project),
        dir: None,
        paused: true,
        weights: None,
    })
    .unwrap();
    until(&t, |e| matches!(e, TrainerEvent::Paused { .. }));
    for (steps, total) in [(3, 3), (4, 7)] {
        t.send(TrainerCommand::Step(steps)).unwrap();
        until(&t, |e| matches!(e, TrainerEvent::Paused { .. }));
        t.send(TrainerCommand::RequestWeights).unwrap();
        let ev = until(&t, |e| matches!(e, TrainerEvent::Weights(_)));
        let n = ev.len();
        assert!(
            matches!(ev[n - 2], TrainerEvent::WeightsStep(s) if s == total),
            "{:?}",
            ev.iter().map(std::mem::discriminant).collect::<Vec<_>>()
        );
    }
    // Asked while it trains, they are tagged too (with a step at least
    // the 7 done before).
    t.send(TrainerCommand::Resume).unwrap();
    t.send(TrainerCommand::RequestWeights).unwrap();
    let ev = until(&t, |e| matches!(e, TrainerEvent::Weights(_)));
    let n = ev.len();
    assert!(
        matches!(ev[n - 2], TrainerEvent::WeightsStep(s) if s >= 7),
        "{:?}",
        ev.iter().map(std::mem::discriminant).collect::<Vec<_>>()
    );
    t.send(TrainerCommand::Stop).unwrap();
}
