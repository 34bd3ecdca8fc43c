//! The training memory estimate against the real peak (hostile input,
//! class 7): every example and a few large networks are trained for one
//! epoch by the `neuroglass` binary as a child process, and the child's
//! peak resident memory (`ru_maxrss` from `wait4`, for that child alone)
//! must be within 2× of the estimate `train --json` reports and uses to
//! refuse runs that cannot fit.

#![cfg(target_os = "linux")]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `neuroglass ARGS`; returns its exit code, its peak resident memory
/// in bytes, stdout and stderr. The child is reaped by `wait4`, which
/// clippy cannot see.
#[allow(clippy::zombie_processes)]
fn run_measured(args: &[&str], data_dir: &Path) -> (i32, u64, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_neuroglass"))
        .args(args)
        .env("NEUROGLASS_DATA_DIR", data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut stdout = String::new();
    let _ = out.read_to_string(&mut stdout);
    let stderr = reader.join().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills in; the pid is our
    // own child, not yet waited for (std's `Child` is never waited on).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // Linux reports ru_maxrss in kilobytes.
    (code, usage.ru_maxrss as u64 * 1024, stdout, stderr)
}

/// Replaces the first `from` in the example `name` (which must hold it).
fn variant(name: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(root().join("projects").join(name)).unwrap();
    assert!(text.contains(from), "{name} has no {from}");
    text.replacen(from, to, 1)
}

#[test]
fn the_estimate_is_within_twice_the_real_peak() {
    let dir = std::env::temp_dir().join(format!("ng-memory-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cases: Vec<(String, PathBuf)> = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(root().join("projects"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    names.sort();
    for n in &names {
        cases.push((n.clone(), root().join("projects").join(n)));
    }
    // Large networks, each dominated by a different part of the estimate:
    // conv column matrices, conv activations, a wide recurrent layer, wide
    // dense weights.
    for (name, base, from, to) in [
        ("cnn-kernel9", "mnist_cnn.ron", "kernel: 3", "kernel: 9"),
        (
            "cnn-filters64",
            "mnist_cnn.ron",
            "filters: 8",
            "filters: 64",
        ),
        ("lstm-512", "sine_lstm.ron", "units: 32,", "units: 512,"),
        ("mlp-2048", "mnist_mlp.ron", "Fixed(128)", "Fixed(2048)"),
    ] {
        let p = dir.join(format!("{name}.ron"));
        std::fs::write(&p, variant(base, from, to)).unwrap();
        cases.push((name.to_string(), p));
    }
    let mut report = Vec::new();
    for (name, path) in &cases {
        let p = path.to_str().unwrap();
        let (code, peak, stdout, stderr) = run_measured(
            &["train", p, "--epochs", "1", "--no-record", "--json"],
            &dir,
        );
        // A diverged run (exit 1) still ran its epoch; anything else failed.
        assert!(code == 0 || code == 1, "{name}: exit {code}: {stderr}");
        let last: serde_json::Value = stdout
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| panic!("{name}: no JSON summary: {stdout}{stderr}"));
        let estimate = last["memory_estimate_bytes"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: no memory_estimate_bytes in {last}"));
        let ratio = peak as f64 / estimate as f64;
        report.push(format!(
            "{name:>24}: estimate {:>7.1} MB, peak {:>7.1} MB, peak/estimate {ratio:.2}",
            estimate as f64 / 1e6,
            peak as f64 / 1e6
        ));
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{name}: the estimate {estimate} is not within 2× of the peak {peak}\n{}",
            report.join("\n")
        );
    }
    println!("{}", report.join("\n"));
    println!("class 7 (memory estimate): {} inputs", cases.len());
    let _ = std::fs::remove_dir_all(&dir);
}
