//! Plain-text tables for the command line (numbers are formatted by
//! [`crate::numfmt`]).

/// A table with a header row; columns are padded to their widest cell.
/// Columns listed in `right` are right-aligned.
pub fn render(header: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let cols = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = width[i].saturating_sub(c.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            if right.contains(&i) {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        let mut s = s.trim_end().to_string();
        s.push('\n');
        s
    };
    let mut out = line(header.to_vec());
    let total: usize = width.iter().sum::<usize>() + 2 * cols.saturating_sub(1);
    out.push_str(&"─".repeat(total));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns() {
        let t = render(
            &["a", "num"],
            &[
                vec!["xx".into(), "1".into()],
                vec!["y".into(), "100".into()],
            ],
            &[1],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "a   num");
        assert_eq!(lines[2], "xx    1");
        assert_eq!(lines[3], "y   100");
    }
}
