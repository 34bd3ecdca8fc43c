//! The window's trainer records its runs too: beside the project file the
//! run's project came from, or in the data directory for a project without
//! one; `RecordNext(off)` skips a run; a stopped run ends with a checkpoint
//! where it stopped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use neuroglass::runs::RunStore;
use neuroglass::trainer::record::RecordRequest;
use neuroglass::trainer::{Trainer, TrainerCommand, TrainerEvent};

fn until_finished(t: &Trainer) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        match t.recv_timeout(Duration::from_millis(100)) {
            Some(TrainerEvent::Finished { .. }) => return,
            Some(TrainerEvent::Failed { message }) => panic!("{message}"),
            _ => {}
        }
    }
    panic!("the run did not finish");
}

fn start(t: &Trainer, p: &neuroglass::model::Project, dir: Option<&Path>) {
    t.send(TrainerCommand::StartProject {
        project: Box::new(p.clone()),
        dir: dir.map(Path::to_path_buf),
        paused: false,
        weights: None,
    })
    .unwrap();
}

#[test]
fn window_runs_are_recorded_where_their_project_lives() {
    let root = std::env::temp_dir().join(format!("ng-runs-trainer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let data = root.join("data");
    // SAFETY: the only test in this binary, before any thread is started.
    unsafe { std::env::set_var("NEUROGLASS_DATA_DIR", &data) };
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("projects/xor.ron");
    std::fs::copy(&src, root.join("xor.ron")).unwrap();
    let mut p = neuroglass::project::load(&src).unwrap();
    p.training.epochs = 2;
    let t = Trainer::spawn(None).unwrap();

    // Opened from a file: beside it.
    start(&t, &p, Some(&root));
    until_finished(&t);
    let beside = RunStore::at(vec![root.join("xor.runs")]).list();
    assert_eq!(beside.runs.len(), 1, "{:?}", beside.skipped);
    let r = &beside.runs[0];
    assert_eq!(r.file.stopped.as_ref().unwrap().key, "completed");
    assert_eq!(r.epochs.len(), 2);
    assert_eq!(r.project().unwrap(), p);

    // A project opened by a relative path: its folder is "" (the current one).
    let here = std::env::current_dir().unwrap();
    std::env::set_current_dir(&root).unwrap();
    start(&t, &p, Some(Path::new("")));
    until_finished(&t);
    std::env::set_current_dir(here).unwrap();
    assert_eq!(
        RunStore::at(vec![root.join("xor.runs")]).list().runs.len(),
        2
    );

    // A bundled example (no file): the data directory, under its name.
    start(&t, &p, None);
    until_finished(&t);
    let untitled = RunStore::for_project(None, &p.name);
    assert!(untitled.folders[0].starts_with(&data));
    assert_eq!(untitled.list().runs.len(), 1);

    // Not recorded when asked not to; the next one is again.
    t.send(TrainerCommand::RecordNext(Box::new(RecordRequest::off())))
        .unwrap();
    start(&t, &p, Some(&root));
    until_finished(&t);
    assert_eq!(
        RunStore::at(vec![root.join("xor.runs")]).list().runs.len(),
        2
    );

    // Stopped mid-way: "stopped", with a checkpoint where it stopped.
    p.training.epochs = 1_000_000;
    start(&t, &p, Some(&root));
    std::thread::sleep(Duration::from_millis(300));
    t.send(TrainerCommand::Stop).unwrap();
    until_finished(&t);
    let list = RunStore::at(vec![root.join("xor.runs")]).list();
    assert_eq!(list.runs.len(), 3);
    let r = list.runs.last().unwrap();
    assert_eq!(r.file.stopped.as_ref().unwrap().key, "stopped");
    let last = r.file.checkpoints.last().unwrap();
    assert_eq!(last.step, r.file.steps);
    assert!(r.checkpoint(last.step).is_ok());
    drop(t);
    let _ = std::fs::remove_dir_all(&root);
}
