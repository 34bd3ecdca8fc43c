//! Hostile input, classes 6–14, through the `neuroglass` command: runs
//! that diverge without NaN, networks that cannot fit, closed pipes and
//! full disks, outputs that would overwrite inputs or earlier files, kill
//! leftovers, weights files that lie or hold NaN, absurd flags, escape
//! sequences in names, and the small ones. Inputs are generated from the
//! examples; the counts are printed (`--nocapture`).

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
    let d = std::env::temp_dir().join(format!("ng-hostile-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn example(name: &str) -> String {
    std::fs::read_to_string(root().join("projects").join(name)).unwrap()
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("projects"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    v.sort();
    v
}

/// Replaces the value of `field: …,` on its first line.
fn set(ron: &str, field: &str, value: &str) -> String {
    let key = format!("{field}: ");
    let at = ron.find(&key).unwrap_or_else(|| panic!("no {field}")) + key.len();
    let end = at + ron[at..].find([',', '\n']).unwrap();
    format!("{}{value}{}", &ron[..at], &ron[end..])
}

fn no_long_floats(s: &str) -> bool {
    // 0.10000000149011612: an f32 printed as f64.
    !s.as_bytes()
        .windows(11)
        .any(|w| w[0] == b'.' && w[1..].iter().all(u8::is_ascii_digit))
}

/// Class 6: every example at learning rates 100 and 1000 for one epoch: a
/// run that diverges (NaN or not) exits 1 with a diagnosis; none says it
/// finished after diverging; the rate warning comes first.
#[test]
fn divergence_without_nan_stops_with_a_diagnosis() {
    let dir = temp("diverge");
    let mut tried = 0;
    let mut diverged = 0;
    for name in examples() {
        for lr in ["100.0", "1000.0"] {
            let p = dir.join(format!("{lr}-{name}"));
            std::fs::write(&p, set(&example(&name), "learning_rate", lr)).unwrap();
            let o = run(&["train", p.to_str().unwrap(), "--epochs", "1"]);
            let all = text(&o);
            tried += 1;
            assert!(
                String::from_utf8_lossy(&o.stderr).starts_with("warning: the learning rate"),
                "{name} {lr}: {all}"
            );
            assert!(no_long_floats(&all), "{name} {lr}: {all}");
            match o.status.code() {
                Some(1) => {
                    diverged += 1;
                    assert!(
                        all.contains("learning rate") && all.contains("try"),
                        "{name} {lr}: {all}"
                    );
                    assert!(!all.contains("finished all epochs"), "{name} {lr}: {all}");
                }
                Some(0) => {
                    // Only a run that really learned may finish.
                    let stdout = String::from_utf8_lossy(&o.stdout);
                    assert!(stdout.contains("val acc 1.0000"), "{name} {lr}: {all}");
                }
                c => panic!("{name} {lr}: exit {c:?}: {all}"),
            }
        }
    }
    assert!(diverged >= tried - 2, "{diverged} of {tried} diverged");
    println!("class 6 (divergence): {tried} inputs, {diverged} diverged");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 7: networks that cannot fit are refused before allocating, with
/// the estimate; `--max-memory` lowers the limit.
#[test]
fn runs_that_cannot_fit_are_refused_before_allocating() {
    let dir = temp("memory");
    let cnn = example("mnist_cnn.ron");
    let lstm = example("sine_lstm.ron");
    let mut cases = Vec::new();
    for k in [64, 256, 1024] {
        cases.push((
            format!("k{k}"),
            cnn.replacen("kernel: 3", &format!("kernel: {k}"), 1),
        ));
    }
    for f in [30_000, 65_536] {
        cases.push((
            format!("f{f}"),
            cnn.replacen("filters: 8", &format!("filters: {f}"), 1),
        ));
    }
    for u in [7000, 20_000] {
        cases.push((
            format!("u{u}"),
            lstm.replacen("units: 32,", &format!("units: {u},"), 1),
        ));
    }
    let mut tried = 0;
    for (name, ron) in &cases {
        let p = dir.join(format!("{name}.ron"));
        std::fs::write(&p, ron).unwrap();
        let t = Instant::now();
        let o = run(&[
            "train",
            p.to_str().unwrap(),
            "--epochs",
            "1",
            "--max-memory",
            "1G",
        ]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", text(&o));
        assert!(
            text(&o).contains("training needs about") || text(&o).contains("would need"),
            "{name}: {}",
            text(&o)
        );
        assert!(t.elapsed() < Duration::from_secs(10), "{name}");
        tried += 1;
    }
    let xor = root().join("projects/xor.ron");
    let cnn_path = root().join("projects/mnist_cnn.ron");
    let o = run(&[
        "train",
        cnn_path.to_str().unwrap(),
        "--max-memory",
        "100M",
        "--epochs",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("is the limit (--max-memory)"));
    let o = run(&[
        "train",
        xor.to_str().unwrap(),
        "--max-memory",
        "1G",
        "--epochs",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    tried += 2;
    println!("class 7 (memory): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 8: a closed stdout and a full disk stop the printing, not the work.
#[test]
fn closed_pipes_and_full_disks_do_not_stop_the_work() {
    let dir = temp("pipes");
    let xor = root().join("projects/xor.ron");
    let mut tried = 0;
    for json in [false, true] {
        let out = dir.join(format!("closed{json}"));
        let mut c = bin();
        c.args(["train", xor.to_str().unwrap(), "--epochs", "20", "--out"])
            .arg(&out)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if json {
            c.arg("--json");
        }
        let mut child = c.spawn().unwrap();
        // Close the reading end at once, like `| head -0`.
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(out.join("xor.safetensors").is_file());
        assert!(out.join("xor.metrics.csv").is_file());
        tried += 1;
    }
    if Path::new("/dev/full").exists() {
        for (i, args) in [
            vec!["check", xor.to_str().unwrap()],
            vec!["check", xor.to_str().unwrap(), "--json"],
            vec!["train", xor.to_str().unwrap(), "--epochs", "3", "--out"],
            vec!["export", xor.to_str().unwrap(), "--pytorch"],
        ]
        .into_iter()
        .enumerate()
        {
            let out = dir.join(format!("full{i}"));
            let mut c = bin();
            c.args(&args);
            if args.len() > 2 && args[args.len() - 1].starts_with("--") {
                c.arg(&out);
            }
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap();
            let full2 = full.try_clone().unwrap();
            let o = c.stdout(full).stderr(full2).output().unwrap();
            assert_ne!(o.status.code(), Some(101), "{args:?} panicked");
            assert!(o.status.code().is_some(), "{args:?} died by a signal");
            if args[0] == "train" {
                assert!(out.join("xor.safetensors").is_file());
            }
            if args[0] == "export" {
                assert!(out.join("model.py").is_file());
            }
            tried += 1;
        }
    }
    println!("class 8 (pipes and full disks): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 9 and 10: no input is ever overwritten, existing outputs only
/// with --force (named otherwise), stale temporaries are cleaned, and
/// killed exports leave the folder complete or untouched.
#[test]
fn inputs_are_never_overwritten_and_outputs_appear_together() {
    let dir = temp("overwrite");
    let p = dir.join("P.ron");
    std::fs::write(&p, example("xor.ron")).unwrap();
    let ps = p.to_str().unwrap();
    let ds = dir.to_str().unwrap();
    let mut tried = 0;
    // A first run into the project's own folder writes P.safetensors…
    let o = run(&["train", ps, "--epochs", "2", "--out", ds]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let weights = std::fs::read(dir.join("P.safetensors")).unwrap();
    // …a second is refused, naming the files, and changes nothing.
    let o = run(&["train", ps, "--epochs", "3", "--out", ds]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("P.safetensors") && text(&o).contains("--force"));
    assert_eq!(std::fs::read(dir.join("P.safetensors")).unwrap(), weights);
    tried += 1;
    // With --force it replaces them.
    let o = run(&["train", ps, "--epochs", "3", "--out", ds, "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    tried += 1;
    // Data that is an output: refused even with --force.
    let csv = dir.join("P.metrics.csv");
    let before = std::fs::read(&csv).unwrap();
    let o = run(&[
        "train",
        ps,
        "--data",
        csv.to_str().unwrap(),
        "--out",
        ds,
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("would overwrite the input"),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read(&csv).unwrap(), before);
    tried += 1;
    // A project file named like an export file, exported into its folder.
    for name in ["model.py", "train.py", "README.txt"] {
        let proj = dir.join(name);
        std::fs::write(&proj, example("xor.ron")).unwrap();
        let o = run(&["export", proj.to_str().unwrap(), "--pytorch", ds, "--force"]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o));
        assert!(text(&o).contains("would replace the input"), "{}", text(&o));
        assert_eq!(std::fs::read_to_string(&proj).unwrap(), example("xor.ron"));
        std::fs::remove_file(&proj).unwrap();
        tried += 1;
    }
    // The user's own files in an export folder are refused by name.
    let exp = dir.join("export");
    std::fs::create_dir_all(&exp).unwrap();
    std::fs::write(exp.join("README.txt"), "mine").unwrap();
    let o = run(&["export", ps, "--pytorch", exp.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("README.txt already exists"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_to_string(exp.join("README.txt")).unwrap(),
        "mine"
    );
    assert!(
        !exp.join("model.py").exists(),
        "nothing written when refused"
    );
    tried += 1;
    // Stale temporaries of dead processes are removed by the next write.
    let stale = dir.join(".P.safetensors.999999999.tmp");
    let stale_stage = dir.join(".export.neuroglass-export.999999999");
    std::fs::write(&stale, vec![0u8; 1 << 20]).unwrap();
    std::fs::create_dir_all(&stale_stage).unwrap();
    let o = run(&["train", ps, "--epochs", "1", "--out", ds, "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!stale.exists(), "a stale temporary stayed");
    let o = run(&["export", ps, "--pytorch", exp.to_str().unwrap(), "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!stale_stage.exists(), "a stale staging folder stayed");
    tried += 2;
    // Kill -9 during exports into a new folder: afterwards the folder is
    // absent or complete, and a later export cleans what was left.
    let digits = root().join("projects/digits_mlp.ron");
    for (i, ms) in [5u64, 40, 120, 300, 700, 1500].into_iter().enumerate() {
        let target = dir.join(format!("killed{i}"));
        let mut child = bin()
            .args(["export", digits.to_str().unwrap(), "--pytorch"])
            .arg(&target)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
        if target.exists() {
            for f in [
                "model.py",
                "train.py",
                "README.txt",
                "weights.safetensors",
                "reference.safetensors",
            ] {
                assert!(
                    target.join(f).is_file(),
                    "killed after {ms} ms: {f} missing"
                );
            }
        }
        tried += 1;
    }
    let o = run(&[
        "export",
        digits.to_str().unwrap(),
        "--pytorch",
        dir.join("after").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("neuroglass-export") || n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    println!("class 9–10 (overwrites and leftovers): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 11: weights files that lie in their header, are cut short, or
/// hold NaN or infinity: refused with the reason (the tensor's name for
/// values), before the data is read.
#[test]
fn weights_files_are_checked_before_use() {
    let dir = temp("weights");
    let xor = root().join("projects/xor.ron");
    let o = run(&[
        "train",
        xor.to_str().unwrap(),
        "--epochs",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let good = std::fs::read(dir.join("xor.safetensors")).unwrap();
    let n = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    let tensors = neuroglass::project::load_weights(&dir.join("xor.safetensors")).unwrap();
    let mut cases: Vec<(String, Vec<u8>, String)> = Vec::new();
    // NaN, +inf and -inf in each tensor (the first value of its data).
    let header: serde_json::Value = serde_json::from_slice(&good[8..8 + n]).unwrap();
    for (name, t) in header.as_object().unwrap() {
        if name == "__metadata__" {
            continue;
        }
        let start = 8 + n + t["data_offsets"][0].as_u64().unwrap() as usize;
        for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut b = good.clone();
            b[start..start + 4].copy_from_slice(&v.to_le_bytes());
            cases.push((format!("{name}-{v}"), b, format!("tensor {name:?} holds")));
        }
    }
    assert!(tensors.len() >= 4);
    // Every cut of the file.
    for cut in (0..good.len()).step_by(7) {
        cases.push((format!("cut{cut}"), good[..cut].to_vec(), String::new()));
    }
    // Header lengths that lie.
    for claim in [u64::MAX, 1 << 40, (good.len() as u64) * 2, 0, 1] {
        let mut b = good.clone();
        b[..8].copy_from_slice(&claim.to_le_bytes());
        cases.push((format!("claim{claim}"), b, String::new()));
    }
    // Extra bytes after the data.
    let mut b = good.clone();
    b.extend_from_slice(&[0; 64]);
    cases.push(("trailing".into(), b, "file holds".into()));
    let mut tried = 0;
    for (name, bytes, expect) in &cases {
        let w = dir.join(format!("w-{tried}.safetensors"));
        std::fs::write(&w, bytes).unwrap();
        let out = dir.join(format!("e{tried}"));
        let o = run(&[
            "export",
            xor.to_str().unwrap(),
            "--pytorch",
            out.to_str().unwrap(),
            "--weights",
            w.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o));
        assert!(text(&o).contains(expect.as_str()), "{name}: {}", text(&o));
        assert!(!out.exists(), "{name}: an export was written");
        tried += 1;
    }
    // The library call the window uses says the same.
    let w = dir.join("w-0.safetensors");
    let e = neuroglass::project::load_weights(&w)
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds NaN"), "{e}");
    println!("class 11 (weights): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 12: every numeric flag is bounded: absurd values are usage errors
/// (exit 2), never a panic or a huge allocation.
#[test]
fn numeric_flags_are_bounded() {
    let xor = root().join("projects/xor.ron");
    let x = xor.to_str().unwrap();
    let huge = [
        "18446744073709551615",
        "99999999999999999999999",
        "-1",
        "0",
        "abc",
        "1e9",
        "",
    ];
    let mut tried = 0;
    for v in huge {
        for args in [
            vec!["bench", "--reps", v],
            vec!["bench", "--threads", v],
            vec!["bench", "--reps", v, "--trainer", x],
            vec!["train", x, "--epochs", v],
            vec!["train", x, "--max-memory", v],
            vec!["--screenshot", "/tmp/x.png", "--train-steps", v],
            vec!["--screenshot", "/tmp/x.png", "--screenshot-scale", v],
        ] {
            if v == "0" && args.contains(&"--train-steps") {
                continue; // zero steps is fine
            }
            let t = Instant::now();
            let o = run(&args);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
            assert!(t.elapsed() < Duration::from_secs(5));
            tried += 1;
        }
    }
    println!("class 12 (numeric flags): {tried} inputs");
}

/// Class 13: control characters from a project (its name, node names, a
/// CSV column) never reach the terminal raw.
#[test]
fn escape_sequences_from_files_are_escaped() {
    let dir = temp("escape");
    let names = [
        "\u{1b}[2J\u{1b}[H",
        "\u{1b}]0;pwned\u{7}",
        "a\u{8}\u{8}b",
        "\u{9b}31m",
        "x\ry",
        "\u{1b}[?1049h",
    ];
    let mut tried = 0;
    for (i, n) in names.iter().enumerate() {
        let ron = set(&example("xor.ron"), "name", &format!("{n:?}")).replacen(
            "name: \"hidden\"",
            &format!("name: {:?}", format!("h{n}")),
            1,
        );
        let p = dir.join(format!("e{i}.ron"));
        std::fs::write(&p, ron).unwrap();
        let ps = p.to_str().unwrap();
        let out = dir.join(format!("out{i}"));
        for args in [
            vec!["check", ps],
            vec!["check", ps, "--json"],
            vec!["train", ps, "--epochs", "1"],
            vec!["train", ps, "--epochs", "1", "--json"],
            vec!["export", ps, "--pytorch", out.to_str().unwrap()],
        ] {
            let o = run(&args);
            assert!(
                o.status.code().is_some_and(|c| c <= 2),
                "{args:?}: {}",
                text(&o)
            );
            for b in o.stdout.iter().chain(&o.stderr) {
                assert!(
                    *b >= 0x20 || *b == b'\n' || *b == b'\t',
                    "{args:?}: byte {b:#x} printed: {}",
                    text(&o)
                );
            }
            assert!(!String::from_utf8_lossy(&o.stdout).contains('\u{9b}'));
            tried += 1;
        }
    }
    println!("class 13 (escapes): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 14: the small ones.
#[test]
fn the_small_ones() {
    let dir = temp("small");
    let xor = root().join("projects/xor.ron");
    let x = xor.to_str().unwrap();
    let mut tried = 0;
    // --target without --data.
    let o = run(&["train", x, "--target", "y"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--data"));
    tried += 1;
    // --out naming a file fails before training.
    let f = dir.join("file");
    std::fs::write(&f, "x").unwrap();
    let t = Instant::now();
    let o = run(&["train", x, "--epochs", "1000", "--out", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("this is a file"));
    assert!(t.elapsed() < Duration::from_secs(3));
    tried += 1;
    // check --json on an unreadable project prints a JSON error object.
    for bad in ["missing.ron", "garbage"] {
        let p = dir.join(bad);
        if bad == "garbage" {
            std::fs::write(&p, "(((((").unwrap();
        }
        let o = run(&["check", p.to_str().unwrap(), "--json"]);
        assert_eq!(o.status.code(), Some(2));
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
        assert_eq!(v["ok"], serde_json::Value::Bool(false));
        assert!(v["error"].as_str().is_some_and(|s| !s.is_empty()));
        tried += 1;
    }
    // The check hint is shell-quoted.
    let out = dir.join("with space's");
    let o = run(&["export", x, "--pytorch", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "python '{}/check_reference.py'",
            out.display().to_string().replace('\'', "'\\''")
        )),
        "{}",
        text(&o)
    );
    tried += 1;
    // A validation split that passes check also trains (one rule).
    for split in ["0.95", "0.99"] {
        let p = dir.join(format!("split{split}.ron"));
        std::fs::write(&p, set(&example("spiral.ron"), "validation_split", split)).unwrap();
        let c = run(&["check", p.to_str().unwrap()]);
        let t = run(&["train", p.to_str().unwrap(), "--epochs", "1"]);
        assert_eq!(c.status.code(), Some(0), "{}", text(&c));
        assert_eq!(t.status.code(), Some(0), "{split}: {}", text(&t));
        tried += 1;
    }
    println!("class 14 (small ones): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}
