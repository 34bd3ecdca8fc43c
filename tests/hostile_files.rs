//! Hostile input through the `neuroglass` command, round 2: project files
//! that are not regular files (a FIFO, `/dev/zero`, a folder, symlinks to
//! them) are refused at once like data files, and an output that cannot be
//! written (stdout on `/dev/full`) gives a message on stderr and a non-zero
//! exit while the work already done is kept. The counts of inputs tried are
//! printed (`--nocapture`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_neuroglass"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ng-hostile-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs with a time limit: a command that blocks (opening a FIFO) is
/// killed and fails the test instead of hanging it.
fn run_limited(c: &mut Command, limit: Duration) -> Output {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{c:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Class 2 for project files: whatever cannot end is refused before it is
/// opened, by `check`, `train` and `export`, also through symlinks.
#[test]
fn project_paths_that_never_end_are_refused_at_once() {
    let dir = temp("never");
    let mut targets: Vec<(String, PathBuf)> = vec![("folder".into(), dir.join("folder.ron"))];
    std::fs::create_dir_all(dir.join("folder.ron")).unwrap();
    let fifo = dir.join("fifo.ron");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        targets.push(("fifo".into(), fifo));
    }
    for dev in ["/dev/zero", "/dev/urandom", "/dev/null"] {
        if Path::new(dev).exists() {
            targets.push((dev.into(), PathBuf::from(dev)));
        }
    }
    #[cfg(unix)]
    for (name, t) in targets.clone() {
        let link = dir.join(format!("link-{}.ron", name.replace('/', "_")));
        std::os::unix::fs::symlink(&t, &link).unwrap();
        targets.push((format!("link to {name}"), link));
    }
    let mut tried = 0;
    for (name, path) in &targets {
        let p = path.to_str().unwrap();
        let out = dir.join("out");
        for args in [
            vec!["check", p],
            vec!["check", p, "--json"],
            vec!["train", p, "--no-record"],
            vec!["export", p, "--pytorch", out.to_str().unwrap()],
        ] {
            let o = run_limited(bin().args(&args), Duration::from_secs(10));
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            assert_eq!(o.status.code(), Some(2), "{name} {args:?}: {all}");
            // /dev/null is a device too: empty, but not a project file.
            assert!(all.contains("not a regular file"), "{name} {args:?}: {all}");
            tried += 1;
        }
    }
    println!("class 2 (project paths that never end): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 8: stdout on a full disk is an error said on stderr with a
/// non-zero exit; the files a command wrote are kept. A closed pipe is not
/// an error.
#[test]
fn an_output_that_cannot_be_written_is_an_error_but_the_work_is_kept() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = temp("full");
    let xor = root().join("projects/xor.ron");
    let x = xor.to_str().unwrap();
    let mut tried = 0;
    for (i, args) in [
        vec!["check", x],
        vec!["check", x, "--json"],
        vec!["train", x, "--epochs", "2", "--no-record"],
        vec![
            "train",
            x,
            "--epochs",
            "2",
            "--no-record",
            "--json",
            "--out",
        ],
        vec!["export", x, "--pytorch"],
    ]
    .into_iter()
    .enumerate()
    {
        let out = dir.join(format!("o{i}"));
        let mut c = bin();
        c.args(&args);
        if args
            .last()
            .is_some_and(|a| a.starts_with("--out") || *a == "--pytorch")
        {
            c.arg(&out);
        }
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = c.stdout(full).stderr(Stdio::piped()).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("could not be written to stdout") && err.contains("No space left"),
            "{args:?}: {err}"
        );
        if args.contains(&"--out") {
            assert!(out.join("xor.safetensors").is_file(), "{args:?}");
            assert!(out.join("xor.metrics.csv").is_file(), "{args:?}");
        }
        if args.contains(&"--pytorch") {
            assert!(out.join("model.py").is_file(), "{args:?}");
        }
        tried += 1;
    }
    // A closed pipe: the same commands succeed.
    for args in [vec!["check", x], vec!["check", x, "--json"]] {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(o.stderr.is_empty(), "{args:?}");
        tried += 1;
    }
    println!("class 8 (outputs that cannot be written): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}
