//! `neuroglass train` records runs; `runs` lists, compares and deletes
//! them; `eval` re-evaluates their checkpoints; a killed run and hostile
//! folders are read back without a crash.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A fresh folder with copies of bundled example projects, and a data
/// directory of its own (so nothing is written outside it).
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new(name: &str, projects: &[&str]) -> Self {
        let dir = std::env::temp_dir().join(format!("ng-runs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for p in projects {
            std::fs::copy(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("projects")
                    .join(p),
                dir.join(p),
            )
            .unwrap();
        }
        Self { dir }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_neuroglass"));
        c.args(args)
            .current_dir(&self.dir)
            .env("NEUROGLASS_DATA_DIR", self.dir.join("data"));
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs and parses stdout's JSON lines; panics with stderr on failure.
    fn json(&self, args: &[&str]) -> Vec<Value> {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
            .collect()
    }

    fn train(&self, project: &str, epochs: usize) -> String {
        let lines = self.json(&["train", project, "--json", "--epochs", &epochs.to_string()]);
        let last = lines.last().unwrap();
        last["run"].as_str().expect("the run's id").to_string()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn epochs_csv(dir: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(dir.join("epochs.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|c| c.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1e-12)
}

#[test]
fn train_records_runs_lists_them_and_diffs_two() {
    let s = Sandbox::new("list", &["spiral.ron"]);
    let a = s.train("spiral.ron", 3);
    // Second run: SGD with another rate, and BatchNorm after hidden 1.
    let p = s.dir.join("spiral.ron");
    let text = std::fs::read_to_string(&p).unwrap();
    let text = text
        .replace(
            "optimizer: Adam(\n            beta1: 0.9,\n            beta2: 0.999,\n            eps: 1e-8,\n        ),",
            "optimizer: Sgd(momentum: 0.9, nesterov: false),",
        )
        .replace("learning_rate: 0.01,", "learning_rate: 0.1,")
        .replace(
            "(id: 2, name: \"relu 1\"",
            "(id: 6, name: \"bn\", kind: BatchNorm((momentum: 0.1, eps: 1e-5)), pos: (0.0, 0.0)),\n            (id: 2, name: \"relu 1\"",
        )
        .replace("(from: 1, to: 2, port: 0),", "(from: 1, to: 6, port: 0),\n            (from: 6, to: 2, port: 0),")
        .replace("next_id: 6,", "next_id: 7,");
    std::fs::write(&p, text).unwrap();
    let b = s.train("spiral.ron", 2);
    assert_ne!(a, b);

    let runs = s.json(&["runs", "spiral.ron", "--json"]);
    assert_eq!(runs.len(), 2);
    let (ra, rb) = (&runs[0], &runs[1]);
    assert_eq!(ra["id"], a.as_str());
    assert_eq!(rb["id"], b.as_str());
    assert_eq!(ra["stopped"], "completed");
    assert_eq!(ra["epochs"], 3);
    assert_eq!(ra["steps"], 45); // 480 training samples, batches of 32
    assert!(ra["started"].as_str().unwrap().ends_with('Z'));
    assert!(ra["seconds"].as_f64().unwrap() > 0.0);
    assert!(ra["final"]["val_loss"].as_f64().unwrap() > 0.0);
    assert!(ra["final"]["val_accuracy"].as_f64().unwrap() > 0.3);
    assert!(
        ra["summary"]
            .as_str()
            .unwrap()
            .starts_with("Adam lr 0.01 · batch 32")
    );
    assert!(
        rb["summary"]
            .as_str()
            .unwrap()
            .contains("Dense 32 → BatchNorm → ReLU")
    );
    let cps: Vec<(u64, Value)> = ra["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["step"].as_u64().unwrap(), c["epoch"].clone()))
        .collect();
    let expect: Vec<(u64, Value)> = vec![
        (0, 0.into()),
        (1, Value::Null),
        (2, Value::Null),
        (4, Value::Null),
        (8, Value::Null),
        (15, 1.into()),
        (16, Value::Null),
        (30, 2.into()),
        (32, Value::Null),
        (45, 3.into()),
    ];
    assert_eq!(cps, expect);

    // The BatchNorm run re-evaluates to its logged numbers too (running
    // statistics are in the checkpoint).
    let e = &s.json(&["eval", "spiral.ron", "--run", &b, "--json"])[0];
    assert_eq!(e["epoch"], 2);
    let logged = rb["final"]["val_loss"].as_f64().unwrap();
    assert!(
        close(e["val_loss"].as_f64().unwrap(), logged),
        "{e} vs {logged}"
    );

    // The table names both runs.
    let table = String::from_utf8(s.run(&["runs", "spiral.ron"]).stdout).unwrap();
    assert!(
        table.contains(&a) && table.contains(&b) && table.contains("completed"),
        "{table}"
    );

    // The diff: design changes with readable paths, and both results.
    let d = &s.json(&["runs", "spiral.ron", "--diff", &a, &b, "--json"])[0];
    let design = d["design"].as_array().unwrap();
    let find = |path: &str| {
        design
            .iter()
            .find(|c| c["path"] == path)
            .unwrap_or_else(|| panic!("no {path} in {design:?}"))
    };
    assert_eq!(find("training.learning_rate")["a"], 0.01);
    assert_eq!(find("training.learning_rate")["b"], 0.1);
    assert_eq!(find("training.epochs")["a"], 3);
    assert!(find("training.optimizer")["b"]["Sgd"].is_object());
    assert!(find("nodes[\"bn\"]")["a"].is_null());
    assert_eq!(d["final"]["a"], ra["final"]);
    assert_eq!(d["final"]["b"], rb["final"]);
    let words = String::from_utf8(s.run(&["runs", "spiral.ron", "--diff", &a, &b]).stdout).unwrap();
    assert!(
        words.contains("optimizer Adam → SGD; learning rate 0.01 → 0.1; epochs 3 → 2; + BatchNorm after hidden 1"),
        "{words}"
    );

    // Delete the first; the second stays.
    assert!(
        s.run(&["runs", "spiral.ron", "--delete", &a])
            .status
            .success()
    );
    let runs = s.json(&["runs", "spiral.ron", "--json"]);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["id"], b.as_str());
    assert!(!s.dir.join("spiral.runs").join(&a).exists());
    // Deleting what is not there, or a path, is an error (exit 1).
    assert_eq!(
        s.run(&["runs", "spiral.ron", "--delete", &a]).status.code(),
        Some(1)
    );
    assert_eq!(
        s.run(&["runs", "spiral.ron", "--delete", ".."])
            .status
            .code(),
        Some(1)
    );
    assert!(s.dir.join("spiral.ron").exists());
}

#[test]
fn eval_of_each_checkpoint_equals_the_logged_epoch_metrics() {
    let s = Sandbox::new("eval", &["spiral.ron", "diabetes_linear.ron"]);
    for (project, key) in [
        ("spiral.ron", "val_accuracy"),
        ("diabetes_linear.ron", "val_r2"),
    ] {
        let id = s.train(project, 3);
        let stem = project.trim_end_matches(".ron");
        let dir = s.dir.join(format!("{stem}.runs")).join(&id);
        let logged = epochs_csv(&dir);
        assert_eq!(logged.len(), 3);
        for row in &logged {
            let (epoch, step) = (row[0] as u64, row[1] as u64);
            let e = &s.json(&[
                "eval",
                project,
                "--run",
                &id,
                "--step",
                &step.to_string(),
                "--json",
            ])[0];
            assert_eq!(e["run"], id.as_str());
            assert_eq!(e["step"], step);
            assert_eq!(e["epoch"], epoch);
            let (loss, metric) = (e["val_loss"].as_f64().unwrap(), e[key].as_f64().unwrap());
            assert!(
                close(loss, row[3]),
                "{project} epoch {epoch}: val loss {loss} vs logged {}",
                row[3]
            );
            assert!(
                close(metric, row[5]),
                "{project} epoch {epoch}: {key} {metric} vs logged {}",
                row[5]
            );
        }
        // Default: the last checkpoint, the end of the last epoch.
        let e = &s.json(&["eval", project, "--run", &id, "--json"])[0];
        assert_eq!(e["epoch"], 3);
        assert!(close(e["val_loss"].as_f64().unwrap(), logged[2][3]));
        // A mid-epoch checkpoint evaluates too (no logged numbers to match).
        let e = &s.json(&["eval", project, "--run", &id, "--step", "1", "--json"])[0];
        assert!(e["epoch"].is_null() && e["val_loss"].as_f64().is_some());
        // A step without a checkpoint, or an unknown run: exit 1 with the reason.
        let out = s.run(&["eval", project, "--run", &id, "--step", "3"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no checkpoint at step 3"));
        assert_eq!(
            s.run(&["eval", project, "--run", "nope", "--json"])
                .status
                .code(),
            Some(1)
        );
    }
}

#[test]
fn no_record_leaves_nothing() {
    let s = Sandbox::new("norecord", &["xor.ron"]);
    let lines = s.json(&["train", "xor.ron", "--json", "--epochs", "2", "--no-record"]);
    assert!(lines.last().unwrap().get("run").is_none());
    assert!(!s.dir.join("xor.runs").exists());
    assert!(!s.dir.join("data").exists());
    assert!(s.json(&["runs", "xor.ron", "--json"]).is_empty());
    // Recorded by default.
    s.train("xor.ron", 2);
    assert_eq!(s.json(&["runs", "xor.ron", "--json"]).len(), 1);
}

#[test]
fn a_folder_where_runs_cannot_go_sends_them_to_the_data_directory() {
    let s = Sandbox::new("fallback", &["xor.ron"]);
    // A file where the runs folder would be: it cannot be made there (as
    // in a read-only folder, which root could still write).
    std::fs::write(s.dir.join("xor.runs"), "not a folder").unwrap();
    let id = s.train("xor.ron", 2);
    let runs = s.json(&["runs", "xor.ron", "--json"]);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["id"], id.as_str());
    let fallback: Vec<_> = std::fs::read_dir(s.dir.join("data").join("runs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(fallback.len(), 1);
    assert!(
        fallback[0].starts_with("xor-") && fallback[0].ends_with(".runs"),
        "{fallback:?}"
    );
    assert!(s.run(&["eval", "xor.ron", "--run", &id]).status.success());
}

#[test]
fn hostile_and_foreign_folders_are_skipped_with_a_message() {
    let s = Sandbox::new("hostile", &["xor.ron"]);
    let good = s.train("xor.ron", 2);
    let runs = s.dir.join("xor.runs");
    let good_dir = runs.join(&good);
    // A foreign folder, a stray file, garbage and hostile manifests, a
    // manifest that names another folder, a run without its epochs, a
    // binary manifest, one from a newer program, and a link to /.
    std::fs::create_dir(runs.join("holiday photos")).unwrap();
    std::fs::write(runs.join("holiday photos/a.jpg"), b"\xff\xd8").unwrap();
    std::fs::write(runs.join("notes.txt"), "hello").unwrap();
    let bad = |name: &str, manifest: &[u8]| {
        let d = runs.join(name);
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("run.ron"), manifest).unwrap();
        d
    };
    bad(
        "garbage",
        b"((((((((((((((((((((((((((((((((((((((((((((((((((",
    );
    bad("binary", b"\0\x01\x02");
    let good_manifest = std::fs::read_to_string(good_dir.join("run.ron")).unwrap();
    bad("elsewhere", good_manifest.as_bytes());
    let no_epochs = bad(
        "no-epochs",
        good_manifest.replace(&good, "no-epochs").as_bytes(),
    );
    let _ = no_epochs;
    bad(
        "newer",
        good_manifest
            .replace(&good, "newer")
            .replace("format: 1,", "format: 99,")
            .as_bytes(),
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink("/", runs.join("root-link")).unwrap();

    let out = s.run(&["runs", "xor.ron", "--json"]);
    assert!(out.status.success());
    let listed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], good.as_str());
    let err = String::from_utf8_lossy(&out.stderr);
    for name in [
        "holiday photos",
        "notes.txt",
        "garbage",
        "binary",
        "elsewhere",
        "no-epochs",
        "newer",
    ] {
        assert!(
            err.contains(name) && err.contains("skipped"),
            "{name}: {err}"
        );
    }
    assert!(err.contains("newer Neuroglass"), "{err}");
    // The table too.
    let out = s.run(&["runs", "xor.ron"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&good));
    // Deleting a foreign folder is refused and leaves it alone; a run
    // folder with a foreign file in it loses only the run's files.
    assert_eq!(
        s.run(&["runs", "xor.ron", "--delete", "holiday photos"])
            .status
            .code(),
        Some(1)
    );
    assert!(runs.join("holiday photos/a.jpg").exists());
    std::fs::write(good_dir.join("mine.txt"), "keep me").unwrap();
    let out = s.run(&["runs", "xor.ron", "--delete", &good]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(good_dir.join("mine.txt").exists());
    assert!(!good_dir.join("run.ron").exists());
}

#[test]
fn a_killed_run_leaves_a_record_readable_up_to_its_last_checkpoint() {
    let s = Sandbox::new("killed", &["spiral.ron"]);
    let mut child = s
        .cmd(&["train", "spiral.ron", "--json", "--epochs", "100000"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the record lists a few checkpoints, then kill it
    // (SIGKILL: no chance to tidy up).
    let runs = s.dir.join("spiral.runs");
    let start = Instant::now();
    loop {
        let listed = std::fs::read_dir(&runs)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .and_then(|e| std::fs::read_to_string(e.path().join("run.ron")).ok())
            .map_or(0, |m| m.matches("(step: ").count());
        if listed >= 8 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the run did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let listed = s.json(&["runs", "spiral.ron", "--json"]);
    assert_eq!(listed.len(), 1);
    let r = &listed[0];
    assert_eq!(r["stopped"], "interrupted");
    let id = r["id"].as_str().unwrap();
    let dir = runs.join(id);
    let cps = r["checkpoints"].as_array().unwrap();
    assert!(cps.len() >= 5);
    // Every listed checkpoint is there and loads; the last epoch's
    // re-evaluates to its logged numbers.
    let logged = epochs_csv(&dir);
    for c in cps {
        let step = c["step"].as_u64().unwrap();
        let e = &s.json(&[
            "eval",
            "spiral.ron",
            "--run",
            id,
            "--step",
            &step.to_string(),
            "--json",
        ])[0];
        if let Some(epoch) = c["epoch"].as_u64().filter(|e| *e > 0) {
            let row = logged
                .iter()
                .find(|r| r[0] as u64 == epoch)
                .expect("its epoch is logged");
            assert!(close(e["val_loss"].as_f64().unwrap(), row[3]));
        }
    }
    // The steps read back (a torn last line is ignored) and reach the last checkpoint.
    let last = cps.iter().filter_map(|c| c["step"].as_u64()).max().unwrap();
    let steps = std::fs::read_to_string(dir.join("steps.csv")).unwrap();
    let complete = steps
        .lines()
        .skip(1)
        .filter(|l| l.split(',').count() == 4)
        .count() as u64;
    assert!(
        complete >= last,
        "{complete} steps logged, last checkpoint at {last}"
    );
}
