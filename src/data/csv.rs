//! CSV import: header row, delimiter detection, quoted fields, BOM and
//! CRLF; a target column by name (default: the last); text classes mapped
//! to indices; text features one-hot encoded; empty cells reported or
//! dropped. Errors name the file, line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ndarray::Array2;

use super::{DataError, Dataset, Target};

/// Most distinct values a text feature column may have (each becomes a
/// one-hot column).
pub const MAX_CATEGORIES: usize = 256;

/// How to read a CSV file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// Target column name; `None` = the last column.
    pub target: Option<String>,
    /// Whether the target is a class (text or integer) or a number.
    pub classification: bool,
    /// Drop rows with empty cells instead of reporting them.
    pub drop_empty: bool,
}

/// Splits CSV text into records of fields, each with its 1-based line.
fn records(text: &str, delim: char) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut row = Vec::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut row_line = 1;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                row.push(std::mem::take(&mut field));
                if !(row.len() == 1 && row[0].trim().is_empty()) {
                    out.push((row_line, std::mem::take(&mut row)));
                }
                row.clear();
                line += 1;
                row_line = line;
                any = false;
            }
            c if c == delim => row.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    if any {
        row.push(field);
        if !(row.len() == 1 && row[0].trim().is_empty()) {
            out.push((row_line, row));
        }
    }
    out
}

/// The delimiter among `,` `;` and tab that appears most in the first line.
pub fn detect_delimiter(text: &str) -> char {
    let first = text.lines().next().unwrap_or("");
    let mut best = (',', 0);
    for d in [',', ';', '\t'] {
        let n = first.matches(d).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// Reads a CSV file (at most `max_bytes`).
///
/// # Errors
/// [`DataError`] naming the file, line and column.
pub fn load(path: &Path, opts: &CsvOptions) -> Result<Dataset, DataError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| DataError::Io {
        path: name.clone(),
        source,
    })?;
    // Text plus parsed floats take about three times the file's size.
    if let Some(avail) = available_memory()
        && meta.len().saturating_mul(3) > avail
    {
        return Err(DataError::Format {
            path: name,
            message: format!(
                "the file is {:.1} GB and would need about {:.1} GB of memory, more than the {:.1} GB available",
                meta.len() as f64 / 1e9,
                meta.len() as f64 * 3.0 / 1e9,
                avail as f64 / 1e9
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: name.clone(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| DataError::Format {
        path: name.clone(),
        message: format!(
            "byte {} is not UTF-8 text; save the file as UTF-8 CSV",
            e.utf8_error().valid_up_to()
        ),
    })?;
    parse(&text, &name, opts)
}

/// Memory the system says is available, where it says (Linux).
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn number(s: &str) -> Option<f64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then_some(v)
}

/// Parses CSV text; `path` names it in messages.
///
/// # Errors
/// As [`load`].
pub fn parse(text: &str, path: &str, opts: &CsvOptions) -> Result<Dataset, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let fmt = |message: String| DataError::Format {
        path: path.to_string(),
        message,
    };
    let delim = detect_delimiter(text);
    let mut recs = records(text, delim).into_iter();
    let (_, header) = recs
        .next()
        .ok_or_else(|| fmt("the file is empty; expected a header row and data rows".into()))?;
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    if header.len() < 2 {
        return Err(fmt(format!(
            "the header has {} column; a data set needs at least one feature and a target (is the delimiter `,`, `;` or tab?)",
            header.len()
        )));
    }
    let target = match &opts.target {
        Some(t) => header.iter().position(|h| h == t).ok_or_else(|| {
            fmt(format!(
                "there is no column `{t}`; the columns are {}",
                header.join(", ")
            ))
        })?,
        None => header.len() - 1,
    };
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for (line, r) in recs {
        if r.len() != header.len() {
            return Err(DataError::Cell {
                path: path.to_string(),
                line,
                column: header
                    .get(r.len().min(header.len() - 1))
                    .cloned()
                    .unwrap_or_default(),
                message: format!(
                    "this row has {} cells but the header has {}",
                    r.len(),
                    header.len()
                ),
            });
        }
        if let Some(c) = r.iter().position(|c| c.trim().is_empty()) {
            if opts.drop_empty {
                continue;
            }
            return Err(DataError::Cell {
                path: path.to_string(),
                line,
                column: header[c].clone(),
                message: "the cell is empty; fill it, or choose to drop rows with empty cells"
                    .into(),
            });
        }
        rows.push((line, r));
    }
    if rows.is_empty() {
        return Err(fmt("the file has a header but no data rows".into()));
    }
    // Column kinds: numeric if every cell is a number.
    let numeric: Vec<bool> = (0..header.len())
        .map(|c| rows.iter().all(|(_, r)| number(&r[c]).is_some()))
        .collect();
    // Features: numeric columns as they are, text columns one-hot.
    let mut names = Vec::new();
    let mut columns: Vec<(usize, Option<Vec<String>>)> = Vec::new();
    for c in (0..header.len()).filter(|&c| c != target) {
        if numeric[c] {
            names.push(header[c].clone());
            columns.push((c, None));
        } else {
            let cats: BTreeSet<&str> = rows.iter().map(|(_, r)| r[c].trim()).collect();
            if cats.len() > MAX_CATEGORIES {
                let (line, r) = rows
                    .iter()
                    .find(|(_, r)| number(&r[c]).is_none())
                    .map_or((0, ""), |(l, r)| (*l, r[c].as_str()));
                return Err(DataError::Cell {
                    path: path.to_string(),
                    line,
                    column: header[c].clone(),
                    message: format!(
                        "`{}` is not a number, and the column has {} different texts — too many to one-hot encode (at most {MAX_CATEGORIES})",
                        r.trim(),
                        cats.len()
                    ),
                });
            }
            let cats: Vec<String> = cats.into_iter().map(str::to_string).collect();
            names.extend(cats.iter().map(|v| format!("{}={v}", header[c])));
            columns.push((c, Some(cats)));
        }
    }
    let width = names.len();
    let mut x = Array2::zeros((rows.len(), width));
    for (i, (_, r)) in rows.iter().enumerate() {
        let mut j = 0;
        for (c, cats) in &columns {
            match cats {
                None => {
                    x[[i, j]] = number(&r[*c]).unwrap_or(0.0) as f32;
                    j += 1;
                }
                Some(cats) => {
                    if let Ok(k) = cats.binary_search_by(|v| v.as_str().cmp(r[*c].trim())) {
                        x[[i, j + k]] = 1.0;
                    }
                    j += cats.len();
                }
            }
        }
    }
    let tname = header[target].clone();
    let target = if opts.classification {
        let values: BTreeSet<String> = rows
            .iter()
            .map(|(_, r)| r[target].trim().to_string())
            .collect();
        let mut names: Vec<String> = values.into_iter().collect();
        if numeric[target] {
            names.sort_by(|a, b| {
                number(a)
                    .unwrap_or(0.0)
                    .total_cmp(&number(b).unwrap_or(0.0))
            });
        }
        if names.len() < 2 {
            return Err(fmt(format!(
                "the target column `{tname}` has only one class (`{}`); classification needs at least two",
                names.first().cloned().unwrap_or_default()
            )));
        }
        if names.len() > 1000 {
            return Err(fmt(format!(
                "the target column `{tname}` has {} different values — too many classes; is it a number to regress on?",
                names.len()
            )));
        }
        let index: BTreeMap<&str, u32> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let labels = rows
            .iter()
            .map(|(_, r)| index.get(r[target].trim()).copied().unwrap_or(0))
            .collect();
        Target::Classes { labels, names }
    } else {
        let mut y = Array2::zeros((rows.len(), 1));
        for (i, (line, r)) in rows.iter().enumerate() {
            y[[i, 0]] = number(&r[target]).ok_or_else(|| DataError::Cell {
                path: path.to_string(),
                line: *line,
                column: tname.clone(),
                message: format!(
                    "`{}` is not a number (the target of a regression must be)",
                    r[target].trim()
                ),
            })? as f32;
        }
        Target::Values {
            y,
            names: vec![tname],
        }
    };
    let file = Path::new(path)
        .file_stem()
        .map_or_else(|| path.to_string(), |s| s.to_string_lossy().into_owned());
    Ok(Dataset {
        name: file,
        x,
        target,
        input_shape: vec![width],
        feature_names: names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify() -> CsvOptions {
        CsvOptions {
            classification: true,
            ..CsvOptions::default()
        }
    }

    #[test]
    fn quotes_bom_crlf_and_semicolons() {
        let text = "\u{feff}\"a;1\";b;label\r\n\"1,5\";2;x\r\n3;4;\"y \"\"q\"\"\"\r\n";
        // "1,5" is not a number, so column `a;1` is text and one-hot.
        let d = parse(text, "t.csv", &classify()).unwrap();
        assert_eq!(d.feature_names, vec!["a;1=1,5", "a;1=3", "b"]);
        assert_eq!(d.x.row(1).to_vec(), vec![0.0, 1.0, 4.0]);
        assert_eq!(
            d.target,
            Target::Classes {
                labels: vec![0, 1],
                names: vec!["x".into(), "y \"q\"".into()]
            }
        );
    }

    #[test]
    fn tabs_target_by_name_and_regression() {
        let d = parse(
            "y\tx1\tx2\n1.5\t1\t2\n-2\t3\t4\n",
            "t.tsv",
            &CsvOptions {
                target: Some("y".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(d.feature_names, vec!["x1", "x2"]);
        assert_eq!(
            d.target,
            Target::Values {
                y: ndarray::array![[1.5], [-2.0]],
                names: vec!["y".into()]
            }
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("age,y\n30,1\nn/a,2\n", "p.csv", &Default::default()).unwrap();
        // `age` becomes text (one-hot) since `n/a` is not a number; a
        // regression target that is not a number is an error:
        assert_eq!(e.feature_names.len(), 2);
        let e = parse("age,y\n30,1\n31,n/a\n", "p.csv", &Default::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.csv: line 3, column `y`: `n/a` is not a number (the target of a regression must be)"
        );
        let e = parse("a,b\n1,2\n3\n", "p.csv", &Default::default()).unwrap_err();
        assert!(e.to_string().starts_with("p.csv: line 3"), "{e}");
        let e = parse("a,b\n1,\n", "p.csv", &Default::default()).unwrap_err();
        assert!(
            e.to_string().contains("column `b`: the cell is empty"),
            "{e}"
        );
        let d = parse(
            "a,b\n1,\n2,3\n",
            "p.csv",
            &CsvOptions {
                drop_empty: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(d.len(), 1);
        assert!(
            parse("", "p.csv", &Default::default())
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(
            parse("a,b\n", "p.csv", &Default::default())
                .unwrap_err()
                .to_string()
                .contains("no data rows")
        );
        assert!(
            parse("a,b\n1,x\n2,x\n", "p.csv", &classify())
                .unwrap_err()
                .to_string()
                .contains("only one class")
        );
        assert!(
            parse(
                "a,b\n1,2\n",
                "p.csv",
                &CsvOptions {
                    target: Some("z".into()),
                    ..Default::default()
                }
            )
            .unwrap_err()
            .to_string()
            .contains("no column `z`")
        );
    }

    #[test]
    fn numeric_classes_sort_by_value() {
        let d = parse("x,d\n1,10\n2,9\n3,10\n", "d.csv", &classify()).unwrap();
        assert_eq!(
            d.target,
            Target::Classes {
                labels: vec![1, 0, 1],
                names: vec!["9".into(), "10".into()]
            }
        );
    }
}
