//! Hostile input, classes 2–5: data paths that never end, IDX files whose
//! header and contents disagree (sparse files, gzip bombs), CSV text with
//! an unbalanced quote, and cells that would be silently misread. Every
//! input here is generated; each must give a clear error (naming the file
//! and, for cells, the line and column) quickly and without a large
//! allocation. The counts of inputs tried are printed (`--nocapture`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use neuroglass::data::DataError;
use neuroglass::model::load_data::load_data;
use neuroglass::model::{DataSource, DataSpec};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ng-hostile-data-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn csv_spec(path: &Path) -> DataSpec {
    DataSpec {
        source: DataSource::Csv {
            path: path.display().to_string(),
            target: None,
            classification: true,
            drop_empty: false,
            drop_bad: false,
        },
        ..DataSpec::default()
    }
}

fn idx_spec(path: &Path) -> DataSpec {
    DataSpec {
        source: DataSource::Idx {
            path: path.display().to_string(),
        },
        ..DataSpec::default()
    }
}

/// Loads with a time limit (a load that blocks fails the test instead of
/// hanging it); the error's text.
fn load_err(spec: DataSpec, limit: Duration) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(
            load_data(&spec, None, 1)
                .err()
                .map(|e: DataError| e.to_string()),
        );
    });
    let got = rx
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("the load did not finish within {limit:?}"));
    assert!(started.elapsed() < limit);
    got.expect("the hostile input was accepted")
}

fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        v.extend(d.to_be_bytes());
    }
    v.extend(data);
    v
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Class 2: /dev/zero, /dev/urandom, a FIFO, a folder, and symlinks to
/// each, as a CSV path and as an IDX folder's image file.
#[test]
#[cfg(unix)]
fn paths_that_never_end_are_refused_at_once() {
    let dir = temp("never");
    let fifo = dir.join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut targets: Vec<PathBuf> = vec![
        "/dev/zero".into(),
        "/dev/urandom".into(),
        fifo.clone(),
        dir.clone(),
    ];
    for (i, t) in targets.clone().iter().enumerate() {
        let link = dir.join(format!("link{i}"));
        std::os::unix::fs::symlink(t, &link).unwrap();
        targets.push(link);
        // A symlink to a symlink.
        let link2 = dir.join(format!("link{i}b"));
        std::os::unix::fs::symlink(dir.join(format!("link{i}")), &link2).unwrap();
        targets.push(link2);
    }
    let mut tried = 0;
    for t in &targets {
        let e = load_err(csv_spec(t), Duration::from_secs(5));
        assert!(e.contains("not a regular file"), "{}: {e}", t.display());
        tried += 1;
        // The same as the images of an IDX folder.
        let folder = dir.join(format!("idx{tried}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::os::unix::fs::symlink(t, folder.join("train-images-idx3-ubyte")).unwrap();
        std::fs::write(
            folder.join("train-labels-idx1-ubyte"),
            idx_bytes(&[1], &[0]),
        )
        .unwrap();
        let e = load_err(idx_spec(&folder), Duration::from_secs(5));
        assert!(e.contains("not a regular file"), "{}: {e}", t.display());
        tried += 1;
    }
    println!("class 2 (paths that never end): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 3: IDX headers against their data — gzip bombs (small file, huge
/// expansion) behind headers promising little or too much, sparse files of
/// gigabytes behind a small header, and every cut of a header.
#[test]
fn idx_headers_are_checked_against_a_limit_and_only_their_promise_is_read() {
    let dir = temp("idx");
    let mut tried = 0;
    let labels = idx_bytes(&[2], &[0, 1]);
    let write_pair = |name: &str, images: &[u8]| -> PathBuf {
        let f = dir.join(name);
        std::fs::create_dir_all(&f).unwrap();
        std::fs::write(f.join("train-images-idx3-ubyte.gz"), images).unwrap();
        std::fs::write(f.join("train-labels-idx1-ubyte"), &labels).unwrap();
        f
    };
    // Gzip bombs: 64 MB of zeros after the header (about 64 KB gzipped),
    // behind headers that promise far more than the limit — refused from
    // the header — or little: only the promise is decompressed and read.
    let zeros = vec![0u8; 64 << 20];
    for dims in [
        [u32::MAX, 28, 28],
        [1 << 20, 1 << 10, 1 << 10],
        [100_000_000, 28, 28],
        [1 << 16, 1 << 16, 1],
    ] {
        let mut raw = idx_bytes(&dims, &[]);
        raw.extend_from_slice(&zeros);
        let f = write_pair(&format!("bomb{tried}"), &gzip(&raw));
        let t = Instant::now();
        let e = load_err(idx_spec(&f), Duration::from_secs(10));
        assert!(
            e.contains("promise more data than can be loaded"),
            "{dims:?}: {e}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{dims:?}: {:?}",
            t.elapsed()
        );
        tried += 1;
    }
    for n in [2u32, 3] {
        let mut raw = idx_bytes(&[n, 28, 28], &[]);
        raw.extend_from_slice(&zeros);
        let f = write_pair(&format!("small{n}"), &gzip(&raw));
        let t = Instant::now();
        let r = load_data(&idx_spec(&f), None, 1);
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        if n == 2 {
            let p = r.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.train.len() + p.validation.len(), 2);
        } else {
            let e = r.err().unwrap().to_string();
            assert!(e.contains("3 images but labels"), "{e}");
        }
        tried += 1;
    }
    // A sparse 3 GB file whose header promises 2×28×28 bytes: too large on
    // disk for the limit, refused before reading.
    let sparse = dir.join("sparse");
    std::fs::create_dir_all(&sparse).unwrap();
    let img = sparse.join("train-images-idx3-ubyte");
    {
        let mut f = std::fs::File::create(&img).unwrap();
        f.write_all(&idx_bytes(&[2, 28, 28], &[])).unwrap();
        f.set_len(3 << 30).unwrap();
    }
    std::fs::write(sparse.join("train-labels-idx1-ubyte"), &labels).unwrap();
    let t = Instant::now();
    let e = load_err(idx_spec(&sparse), Duration::from_secs(10));
    assert!(e.contains("the limit is"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(2));
    tried += 1;
    // A sparse 200 MB file (within the limit): only the promise is read.
    {
        let f = std::fs::OpenOptions::new().write(true).open(&img).unwrap();
        f.set_len(200 << 20).unwrap();
    }
    let t = Instant::now();
    let p = load_data(&idx_spec(&sparse), None, 1).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.train.len() + p.validation.len(), 2);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    tried += 1;
    // Every cut of a valid pair's image file, plain and gzipped: an error.
    let full = idx_bytes(&[2, 3, 3], &[7; 18]);
    for cut in 0..full.len() {
        for gz in [false, true] {
            let bytes = if gz {
                gzip(&full[..cut])
            } else {
                full[..cut].to_vec()
            };
            let f = write_pair(&format!("cut{cut}{gz}"), &bytes);
            let e = load_err(idx_spec(&f), Duration::from_secs(5));
            assert!(!e.is_empty());
            tried += 1;
        }
    }
    // Random headers (seeded): dims of 1–4 values anywhere in u32 over a
    // few bytes of data — an error or a data set, never a panic or a
    // large allocation.
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..200 {
        let nd = (next() % 4 + 1) as usize;
        let dims: Vec<u32> = (0..nd)
            .map(|_| match next() % 3 {
                0 => (next() % 4) as u32,
                1 => (next() % 70_000) as u32,
                _ => next() as u32,
            })
            .collect();
        let raw = idx_bytes(&dims, &[1; 64]);
        let bytes = if i % 2 == 0 { gzip(&raw) } else { raw };
        let f = write_pair(&format!("rand{i}"), &bytes);
        let t = Instant::now();
        let _ = load_data(&idx_spec(&f), None, 1);
        assert!(t.elapsed() < Duration::from_secs(2), "{dims:?}");
        tried += 1;
    }
    println!("class 3 (IDX sizes): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// An iris-like CSV: four numeric columns and a text class.
fn table(rows: usize) -> Vec<Vec<String>> {
    let mut t = vec![vec![
        "sepal_length".into(),
        "sepal_width".into(),
        "petal_length".into(),
        "petal_width".into(),
        "species".into(),
    ]];
    for r in 0..rows {
        t.push(vec![
            format!("{:.1}", 4.0 + (r % 30) as f32 / 10.0),
            format!("{:.1}", 2.0 + (r % 20) as f32 / 10.0),
            format!("{:.1}", 1.0 + (r % 50) as f32 / 10.0),
            format!("{:.1}", 0.1 + (r % 25) as f32 / 10.0),
            ["setosa", "versicolor", "virginica"][r % 3].into(),
        ]);
    }
    t
}

fn text(t: &[Vec<String>]) -> String {
    t.iter().map(|r| r.join(",") + "\n").collect()
}

/// Class 4: one unbalanced quote at many places of a 200,000-row file is
/// reported with its line, in about the time a clean file takes.
#[test]
fn an_unbalanced_quote_is_reported_with_its_line_in_linear_time() {
    let dir = temp("quote");
    let base = table(200_000);
    let clean = dir.join("clean.csv");
    std::fs::write(&clean, text(&base)).unwrap();
    let t = Instant::now();
    load_data(&csv_spec(&clean), None, 1).unwrap_or_else(|e| panic!("{e}"));
    let clean_time = t.elapsed();
    let mut tried = 0;
    for (row, col) in [
        (1, 0),
        (2, 4),
        (1000, 2),
        (100_000, 1),
        (199_999, 3),
        (200_000, 4),
    ] {
        let mut t2 = base.clone();
        t2[row][col] = format!("\"{}", t2[row][col]);
        let f = dir.join(format!("q{row}-{col}.csv"));
        std::fs::write(&f, text(&t2)).unwrap();
        let t = Instant::now();
        let e = load_err(csv_spec(&f), Duration::from_secs(10));
        let took = t.elapsed();
        assert!(
            e.contains(&format!("line {}: a quote", row + 1)),
            "row {row}: {e}"
        );
        assert!(
            took < clean_time * 4 + Duration::from_millis(500),
            "row {row}: {took:?} against {clean_time:?} for the clean file"
        );
        tried += 1;
    }
    println!("class 4 (unbalanced quotes): {tried} inputs (clean file read in {clean_time:?})");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 5: cells that are not finite `f32` numbers, hexadecimal, or with
/// control characters, at every column of a few rows, and text in UTF-16 or
/// UTF-32 with and without a byte-order mark.
#[test]
fn cells_that_would_be_misread_are_errors_with_line_and_column() {
    let dir = temp("cells");
    let base = table(60);
    let bad = [
        "NaN",
        "nan",
        "-NaN",
        "inf",
        "-inf",
        "+inf",
        "Infinity",
        "-infinity",
        "1e400",
        "-1e400",
        "3.5e38",
        "-3.5e38",
        "1e39",
        "0x10",
        "-0x1F",
        "0XFF",
        "1\0",
        "\0",
        "2\u{1}",
        "\u{7}",
        "\u{1b}[2J",
        "4\u{7f}",
    ];
    let mut tried = 0;
    for cell in bad {
        for row in [1, 2, 31, 60] {
            for col in 0..5 {
                let mut t = base.clone();
                t[row][col] = cell.to_string();
                let f = dir.join(format!("c{tried}.csv"));
                std::fs::write(&f, text(&t)).unwrap();
                let e = load_err(csv_spec(&f), Duration::from_secs(5));
                let expect = format!("line {}, column `{}`", row + 1, base[0][col]);
                assert!(
                    e.contains(&expect) && e.contains(&f.display().to_string()),
                    "{cell:?} at {row},{col}: {e}"
                );
                tried += 1;
            }
        }
    }
    // Finite numbers at the edge of f32 are read as numbers.
    let mut t = base.clone();
    t[5][0] = "3.4e38".into();
    t[6][1] = "-3.4e38".into();
    t[7][2] = "1e-45".into();
    let f = dir.join("edge.csv");
    std::fs::write(&f, text(&t)).unwrap();
    let p = load_data(&csv_spec(&f), None, 1).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.train.x.ncols(), 4, "still four numeric features");
    tried += 1;
    // Other encodings.
    let plain = text(&base);
    let u16le: Vec<u8> = plain.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let u16be: Vec<u8> = plain.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    let u32le: Vec<u8> = plain
        .chars()
        .flat_map(|c| (c as u32).to_le_bytes())
        .collect();
    let u32be: Vec<u8> = plain
        .chars()
        .flat_map(|c| (c as u32).to_be_bytes())
        .collect();
    let with = |bom: &[u8], body: &[u8]| [bom, body].concat();
    for (name, bytes, expect) in [
        (
            "u16le-bom",
            with(&[0xff, 0xfe], &u16le),
            "UTF-16 (little-endian)",
        ),
        (
            "u16be-bom",
            with(&[0xfe, 0xff], &u16be),
            "UTF-16 (big-endian)",
        ),
        (
            "u32le-bom",
            with(&[0xff, 0xfe, 0, 0], &u32le),
            "UTF-32 (little-endian)",
        ),
        (
            "u32be-bom",
            with(&[0, 0, 0xfe, 0xff], &u32be),
            "UTF-32 (big-endian)",
        ),
        ("u16le", u16le.clone(), "without a byte-order mark"),
        ("u16be", u16be.clone(), "without a byte-order mark"),
        ("u32le", u32le.clone(), "without a byte-order mark"),
        ("u32be", u32be.clone(), "without a byte-order mark"),
        ("latin1", b"a,b\n1,\xe9\n2,x\n".to_vec(), "not UTF-8"),
        (
            "binary",
            vec![0u8, 1, 2, 3, 200, 201, 0, 0, 9],
            "byte-order mark",
        ),
    ] {
        let f = dir.join(format!("{name}.csv"));
        std::fs::write(&f, &bytes).unwrap();
        let e = load_err(csv_spec(&f), Duration::from_secs(5));
        assert!(e.contains(expect), "{name}: {e}");
        tried += 1;
    }
    // Duplicate column names.
    for dup in 1..5 {
        let mut t = base.clone();
        t[0][dup] = t[0][0].clone();
        let f = dir.join(format!("dup{dup}.csv"));
        std::fs::write(&f, text(&t)).unwrap();
        let e = load_err(csv_spec(&f), Duration::from_secs(5));
        assert!(e.contains(&format!("columns 1 and {}", dup + 1)), "{e}");
        tried += 1;
    }
    println!("class 5 (misread cells and encodings): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 5, the option: with "drop bad rows" (`drop_bad`), a row with a
/// cell that would be misread is dropped instead of refused, and the
/// layout says which lines went (the CLI and the recipe say it from there).
#[test]
fn bad_rows_are_dropped_and_counted_when_asked() {
    use neuroglass::model::load_data::load_data_with_layout;
    let dir = temp("dropbad");
    let base = table(60);
    let mut tried = 0;
    for (k, cell) in ["NaN", "-inf", "1e400", "3.5e38", "0x10", "\u{1b}[2J", "1\0"]
        .iter()
        .enumerate()
    {
        for rows in [vec![1], vec![7, 31], vec![2, 3, 59, 60]] {
            let mut t = base.clone();
            for (i, r) in rows.iter().enumerate() {
                t[*r][(k + i) % 5] = (*cell).to_string();
            }
            let f = dir.join(format!("d{tried}.csv"));
            std::fs::write(&f, text(&t)).unwrap();
            let mut spec = csv_spec(&f);
            spec.validation_split = 0.0;
            if let DataSource::Csv { drop_bad, .. } = &mut spec.source {
                *drop_bad = true;
            }
            let (p, layout) = load_data_with_layout(&spec, None, 1)
                .unwrap_or_else(|e| panic!("{cell:?} {rows:?}: {e}"));
            let layout = layout.unwrap();
            let lines: Vec<usize> = rows.iter().map(|r| r + 1).collect();
            assert_eq!(layout.dropped_bad, lines, "{cell:?}");
            assert_eq!(p.train.len(), 60 - rows.len());
            assert_eq!(
                p.train.x.ncols(),
                4,
                "{cell:?}: still four numeric features"
            );
            let note = layout.dropped_note().unwrap();
            assert!(
                note.contains(&format!("{} row", rows.len()))
                    && note.contains(&lines[0].to_string()),
                "{note}"
            );
            // Without the option the same file is refused at the first one.
            let e = load_err(csv_spec(&f), Duration::from_secs(5));
            assert!(e.contains(&format!("line {}", lines[0])), "{e}");
            tried += 1;
        }
    }
    println!("class 5 (bad rows dropped on request): {tried} inputs");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Class 4, quoting as Python's csv module reads it: a quote inside an
/// unquoted cell is a letter, quoted cells hold delimiters, line breaks
/// and doubled quotes, blank lines are skipped; a quote left open at the
/// end of the file is reported with its line wherever it is.
#[test]
fn quoting_follows_rfc_4180_and_an_open_quote_is_found_anywhere() {
    use neuroglass::data::csv::{CsvOptions, parse};
    let opts = CsvOptions {
        classification: true,
        ..CsvOptions::default()
    };
    let d = parse(
        "a,b,c\n1,2,x\"y\n\n\"3\",\"4\",\"p,\"\"q\"\"\nr\"\r\n5,6,x\"y\n",
        "q.csv",
        &opts,
    )
    .unwrap();
    assert_eq!(d.len(), 3);
    match &d.target {
        neuroglass::data::Target::Classes { names, labels } => {
            assert_eq!(names, &vec!["p,\"q\"\nr".to_string(), "x\"y".to_string()]);
            assert_eq!(labels, &vec![1, 0, 1]);
        }
        t => panic!("{t:?}"),
    }
    let mut tried = 1;
    // An open quote in every column of every row of a small table.
    let base = table(20);
    for row in 1..=20 {
        for col in 0..5 {
            let mut t = base.clone();
            t[row][col] = format!("\"{}", t[row][col]);
            let e = parse(&text(&t), "q.csv", &opts).unwrap_err().to_string();
            assert!(
                e.contains(&format!("line {}: a quote", row + 1)),
                "{row},{col}: {e}"
            );
            tried += 1;
        }
    }
    println!("class 4 (quoting): {tried} inputs");
}
