//! Making names from a project safe inside generated Python: identifiers,
//! string literals, comments and numbers.
//!
//! Nothing a user typed (layer names, column names, the project's name, file
//! paths) ever reaches Python source except through [`Namer::identifier`]
//! (letters, digits and `_` only), [`py_str`] (a quoted, fully escaped ASCII
//! literal) or [`comment_text`] (quotes, backslashes and every character that
//! could end a line escaped).

use std::collections::BTreeSet;

/// Python's keywords and soft keywords.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "_", "and", "as", "assert", "async", "await", "break", "case",
    "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from",
    "global", "if", "import", "in", "is", "lambda", "match", "nonlocal", "not", "or", "pass",
    "raise", "return", "try", "type", "while", "with", "yield",
];

/// Python's lower-case built-in names (shadowing them inside `forward` would
/// be legal but confusing).
#[rustfmt::skip]
const BUILTINS: &[&str] = &[
    "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "breakpoint", "bytearray",
    "bytes", "callable", "chr", "classmethod", "compile", "complex", "copyright", "credits",
    "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec", "exit", "filter", "float",
    "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id",
    "input", "int", "isinstance", "issubclass", "iter", "len", "license", "list", "locals",
    "map", "max", "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print",
    "property", "quit", "range", "repr", "reversed", "round", "set", "setattr", "slice",
    "sorted", "staticmethod", "str", "sum", "super", "tuple", "vars", "zip",
];

/// Public attributes of `torch.nn.Module`: a submodule with one of these
/// names would hide the method (`self.train = nn.Linear(…)` breaks
/// training). Private names cannot occur: identifiers never start with `_`.
#[rustfmt::skip]
const MODULE_ATTRS: &[&str] = &[
    "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "compile",
    "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward",
    "get_buffer", "get_extra_state", "get_parameter", "get_submodule", "half", "ipu",
    "load_state_dict", "modules", "mtia", "named_buffers", "named_children", "named_modules",
    "named_parameters", "parameters", "register_backward_hook", "register_buffer",
    "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
    "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter",
    "register_state_dict_post_hook", "register_state_dict_pre_hook", "requires_grad_",
    "set_extra_state", "set_submodule", "share_memory", "state_dict", "to", "to_empty", "train",
    "training", "type", "xpu", "zero_grad", "module",
];

/// Names the generated files use themselves.
#[rustfmt::skip]
const GENERATED: &[&str] = &[
    "x", "self", "torch", "nn", "f", "math", "os", "sys", "model", "build_model", "safetensors",
    "load_file", "save_file", "probability",
];

/// Longest identifier made from a name (before a uniqueness suffix).
const MAX_IDENT: usize = 40;

/// Whether `s` may not be used as an identifier in the generated code.
pub fn is_reserved(s: &str) -> bool {
    KEYWORDS.contains(&s)
        || BUILTINS.contains(&s)
        || MODULE_ATTRS.contains(&s)
        || GENERATED.contains(&s)
}

/// The plain letters of an accented Latin letter (`é` → `e`, `ß` → `ss`).
fn fold_latin(c: char) -> Option<&'static str> {
    const FOLDS: &[(&str, &str)] = &[
        ("àáâãäåāăą", "a"),
        ("çćĉċč", "c"),
        ("ďđ", "d"),
        ("èéêëēĕėęě", "e"),
        ("ĝğġģ", "g"),
        ("ĥħ", "h"),
        ("ìíîïĩīĭįı", "i"),
        ("ĵ", "j"),
        ("ķ", "k"),
        ("ĺļľŀł", "l"),
        ("ñńņňŉ", "n"),
        ("òóôõöøōŏő", "o"),
        ("ŕŗř", "r"),
        ("śŝşš", "s"),
        ("ţťŧ", "t"),
        ("ùúûüũūŭůűų", "u"),
        ("ŵ", "w"),
        ("ýÿŷ", "y"),
        ("źżž", "z"),
        ("ß", "ss"),
        ("æ", "ae"),
        ("œ", "oe"),
        ("þ", "th"),
    ];
    let lower = c.to_lowercase().next()?;
    FOLDS
        .iter()
        .find(|(from, _)| from.contains(lower))
        .map(|(_, to)| *to)
}

/// The identifier form of `raw`: ASCII letters and digits lower-cased,
/// accented Latin letters without their accents, every run of anything
/// else one `_`, no `_` at either end, at most 40 characters. Empty when
/// nothing usable is left.
fn base_identifier(raw: &str) -> String {
    let mut s = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if let Some(plain) = fold_latin(c) {
            s.push_str(plain);
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    let s = s.trim_matches('_');
    // ASCII only, so any byte index is a character boundary.
    let s = &s[..s.len().min(MAX_IDENT)];
    s.trim_end_matches('_').to_string()
}

/// Hands out unique, safe Python identifiers.
#[derive(Debug, Default)]
pub struct Namer {
    used: BTreeSet<String>,
}

impl Namer {
    /// A namer with nothing used yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh identifier for `raw` (a layer's name), matching
    /// `[a-z_][a-z0-9_]*`, never a keyword, builtin, `nn.Module` attribute
    /// or name the generated code uses, and unique among those handed out.
    /// `fallback` (e.g. the layer kind) is used when `raw` has nothing
    /// usable; a leading digit gets a `layer_` prefix.
    pub fn identifier(&mut self, raw: &str, fallback: &str) -> String {
        let mut base = base_identifier(raw);
        if base.is_empty() {
            base = base_identifier(fallback);
        }
        if base.is_empty() {
            base = "layer".into();
        }
        if base.starts_with(|c: char| c.is_ascii_digit()) {
            base = format!("layer_{base}");
        }
        if is_reserved(&base) {
            base.push('_');
        }
        let mut candidate = base.clone();
        let mut n = 2u32;
        while self.used.contains(&candidate) || is_reserved(&candidate) {
            candidate = format!("{base}_{n}");
            n = n.saturating_add(1);
        }
        self.used.insert(candidate.clone());
        candidate
    }
}

fn push_escape(out: &mut String, c: char) {
    let u = c as u32;
    if u < 0x100 {
        out.push_str(&format!("\\x{u:02x}"));
    } else if u < 0x10000 {
        out.push_str(&format!("\\u{u:04x}"));
    } else {
        out.push_str(&format!("\\U{u:08x}"));
    }
}

/// A Python string literal for `s`, like `repr()` but always in double
/// quotes and pure ASCII: `\`, `"` and every character that is not
/// printable ASCII are escaped, so the literal can never end early or
/// carry a line break.
pub fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            _ => push_escape(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// Whether `c` could break a line, hide text or reorder it on screen:
/// control characters, line and paragraph separators, zero-width and
/// bidirectional formatting characters, the byte-order mark.
fn is_unsafe_in_comment(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}' | '\u{061c}' | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}')
}

/// `s` quoted for a comment: `"…"` with `\` and `"` escaped and unsafe
/// characters (see above) written as escapes, other Unicode kept so names
/// like `x₁` stay readable; at most 60 characters of the name are shown.
pub fn comment_text(s: &str) -> String {
    let mut out = String::from("\"");
    for (shown, c) in s.chars().enumerate() {
        if shown == 60 {
            out.push('…');
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if is_unsafe_in_comment(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python literal for an `f32` setting: the shortest decimal that reads
/// back as the same `f32` (`0.01`, `1e-8`), or `float("nan")`/`float("inf")`.
pub fn py_float(v: f32) -> String {
    if v.is_nan() {
        "float(\"nan\")".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "float(\"inf\")".into()
        } else {
            "-float(\"inf\")".into()
        }
    } else {
        format!("{v:?}")
    }
}

/// A Python tuple literal of sizes: `(1, 28, 28)`, `(5,)`, `()`.
pub fn py_tuple(v: &[usize]) -> String {
    match v {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            v.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_safe_and_unique() {
        let mut n = Namer::new();
        assert_eq!(n.identifier("conv 1", "conv2d"), "conv_1");
        assert_eq!(n.identifier("Conv-1", "conv2d"), "conv_1_2");
        assert_eq!(n.identifier("", "Dense"), "dense");
        assert_eq!(n.identifier("   ", "Dense"), "dense_2");
        assert_eq!(n.identifier("1st", "Dense"), "layer_1st");
        assert_eq!(n.identifier("class", "Dense"), "class_");
        assert_eq!(n.identifier("train", "Dense"), "train_");
        assert_eq!(n.identifier("input", "Input"), "input_");
        assert_eq!(n.identifier("x", "Input"), "x_");
        assert_eq!(n.identifier("__init__", "Dense"), "init");
        assert_eq!(n.identifier("x₁ couche", "Dense"), "x_couche");
        assert_eq!(n.identifier("Entrée ünïcödé ☃", "Dense"), "entree_unicode");
        assert_eq!(n.identifier("Straße", "Dense"), "strasse");
        assert_eq!(n.identifier("слой", "Dense"), "dense_3");
        let long = n.identifier(&"a".repeat(100), "Dense");
        assert_eq!(long.len(), 40);
        let hostile = n.identifier("x\"); import os; os.system(\"echo pwned\") #", "Dense");
        assert_eq!(hostile, "x_import_os_os_system_echo_pwned");
        for s in [&hostile, &long] {
            assert!(s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        }
    }

    #[test]
    fn string_literals_escape_everything_dangerous() {
        assert_eq!(py_str("abc"), "\"abc\"");
        assert_eq!(py_str("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(py_str("l1\nl2\r"), "\"l1\\nl2\\r\"");
        assert_eq!(
            py_str("é₁\u{2028}😀\0"),
            "\"\\xe9\\u2081\\u2028\\U0001f600\\x00\""
        );
        assert!(py_str("x\"); import os #").starts_with("\"x\\\");"));
    }

    #[test]
    fn comments_cannot_end_the_line() {
        let c = comment_text("a\nimport os\r\u{2028}\u{202e}\"\\ x₁");
        assert_eq!(c, "\"a\\x0aimport os\\x0d\\u2028\\u202e\\\"\\\\ x₁\"");
        assert!(!c.contains('\n') && !c.contains('\r'));
        assert!(comment_text(&"y".repeat(100)).ends_with("…\""));
    }

    #[test]
    fn numbers() {
        assert_eq!(py_float(0.01), "0.01");
        assert_eq!(py_float(1e-8), "1e-8");
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(f32::NAN), "float(\"nan\")");
        assert_eq!(py_tuple(&[5]), "(5,)");
        assert_eq!(py_tuple(&[1, 28, 28]), "(1, 28, 28)");
    }
}
