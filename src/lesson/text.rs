//! A step's text: paragraphs separated by a blank line; `*emphasis*`;
//! formulas between `$` signs (written with Unicode: `σ(x) = 1/(1+e⁻ˣ)`),
//! shown in the formula style. A `*` or `$` without its partner is kept as
//! it is.

/// One run of text with one style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    /// Plain text.
    Plain(String),
    /// Emphasised text.
    Emphasis(String),
    /// A formula.
    Formula(String),
}

impl Span {
    /// The characters shown.
    pub fn text(&self) -> &str {
        match self {
            Self::Plain(s) | Self::Emphasis(s) | Self::Formula(s) => s,
        }
    }
}

/// The paragraphs of a text, each a list of spans. Line breaks inside a
/// paragraph become spaces.
pub fn paragraphs(text: &str) -> Vec<Vec<Span>> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.trim().is_empty() {
                out.push(spans(current.trim()));
            }
            current.clear();
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(line.trim());
        }
    }
    if !current.trim().is_empty() {
        out.push(spans(current.trim()));
    }
    out
}

/// The spans of one paragraph.
pub fn spans(p: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = p;
    while let Some(i) = rest.find(['*', '$']) {
        let marker = &rest[i..=i];
        let after = &rest[i + 1..];
        match after.find(marker) {
            Some(j) if j > 0 => {
                plain.push_str(&rest[..i]);
                if !plain.is_empty() {
                    out.push(Span::Plain(std::mem::take(&mut plain)));
                }
                let inner = after[..j].to_owned();
                out.push(if marker == "*" {
                    Span::Emphasis(inner)
                } else {
                    Span::Formula(inner)
                });
                rest = &after[j + 1..];
            }
            _ => {
                plain.push_str(&rest[..=i]);
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Span::Plain(plain));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_emphasis_and_formulas() {
        let p = paragraphs("Watch the *loss*:\n$L = Σ(y − ŷ)²$ falls.\n\nSecond one, 3 * 4");
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0],
            vec![
                Span::Plain("Watch the ".into()),
                Span::Emphasis("loss".into()),
                Span::Plain(": ".into()),
                Span::Formula("L = Σ(y − ŷ)²".into()),
                Span::Plain(" falls.".into()),
            ]
        );
        assert_eq!(p[1], vec![Span::Plain("Second one, 3 * 4".into())]);
    }
}
