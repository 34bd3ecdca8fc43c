//! Splitting CSV text into records and fields with the `csv` crate (RFC
//! 4180 quoting, as Python's `csv` module reads it; linear on any input),
//! with what the crate does not say: the text encoding, the delimiter, the
//! line of a quote that is never closed, and text that is not UTF-8.

use std::io::{BufRead, Read};

use crate::data::DataError;

/// Refuses text encodings other than UTF-8 by name, from the first bytes.
pub(super) fn check_encoding(head: &[u8]) -> Result<(), String> {
    let named = if head.starts_with(&[0xff, 0xfe, 0, 0]) {
        Some("UTF-32 (little-endian)")
    } else if head.starts_with(&[0, 0, 0xfe, 0xff]) {
        Some("UTF-32 (big-endian)")
    } else if head.starts_with(&[0xff, 0xfe]) {
        Some("UTF-16 (little-endian)")
    } else if head.starts_with(&[0xfe, 0xff]) {
        Some("UTF-16 (big-endian)")
    } else {
        None
    };
    if let Some(n) = named {
        return Err(format!("the file is {n} text; save it as UTF-8 CSV"));
    }
    // Text in UTF-16 or UTF-32 without a byte-order mark has a zero in
    // every second (or in three of four) bytes. A few zeros are left to
    // the cells, which name their line and column.
    let nuls = head.iter().filter(|&&b| b == 0).count();
    if nuls * 4 >= head.len() && nuls > 0 {
        return Err("the file has zero bytes between its letters: UTF-16 or UTF-32 text without a byte-order mark, or binary data; save it as UTF-8 CSV".to_string());
    }
    Ok(())
}

/// The delimiter among `,` `;` and tab that appears most in the first line.
pub fn detect_delimiter(text: &str) -> char {
    detect(text.lines().next().unwrap_or("").as_bytes())
}

/// As [`detect_delimiter`], on the first line that is not blank in `head`.
fn detect(head: &[u8]) -> char {
    let first = head
        .split(|&b| b == b'\n')
        .find(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
        .unwrap_or(&[]);
    let mut best = (',', 0);
    for d in [',', ';', '\t'] {
        let n = first.iter().filter(|&&b| b == d as u8).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// Where the quoting of the text stands, byte by byte, by the rules the
/// `csv` crate follows: a quote opens a quoted field only at the start of a
/// field; inside one, two quotes are one quote and a single quote closes it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// The reader under the `csv` crate: counts bytes (for progress) and
/// follows the quoting, so that a quote still open at the end of the text
/// is reported with the line where it opened.
struct Watch<R> {
    inner: R,
    bytes: u64,
    delim: u8,
    state: Quoting,
    line: usize,
    opened: usize,
    /// The end of the text was reached.
    eof: bool,
}

impl<R: Read> Read for Watch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof = true;
        }
        self.bytes += n as u64;
        let d = self.delim;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
            }
            self.state = match (self.state, b) {
                (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
                (Quoting::Quoted, _) => Quoting::Quoted,
                (Quoting::FieldStart, b'"') => {
                    self.opened = self.line;
                    Quoting::Quoted
                }
                (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
                (_, b'\n' | b'\r') => Quoting::FieldStart,
                (_, b) if b == d => Quoting::FieldStart,
                _ => Quoting::Unquoted,
            };
        }
        Ok(n)
    }
}

/// The records of a CSV text, one at a time, with the line each starts on.
pub(super) struct Records<R: Read> {
    reader: csv::Reader<Watch<R>>,
    record: csv::ByteRecord,
    path: String,
    /// Whether a record was returned (the first may start with a BOM).
    started: bool,
    /// The delimiter found in the first line.
    pub delimiter: char,
}

impl<R: BufRead> Records<R> {
    /// Checks the encoding from the first bytes, finds the delimiter in the
    /// first line, and starts reading.
    pub fn new(mut reader: R, path: &str) -> Result<Self, DataError> {
        let head = reader.fill_buf().map_err(|source| DataError::Io {
            path: path.to_string(),
            source,
        })?;
        check_encoding(head).map_err(|message| DataError::Format {
            path: path.to_string(),
            message,
        })?;
        // The `csv` crate does not know the UTF-8 byte-order mark: it is
        // skipped here, before a quote after it could be misread.
        let bom = head.starts_with(b"\xef\xbb\xbf");
        let delimiter = detect(if bom { &head[3..] } else { head });
        if bom {
            reader.consume(3);
        }
        let watch = Watch {
            inner: reader,
            bytes: 0,
            delim: delimiter as u8,
            state: Quoting::FieldStart,
            line: 1,
            opened: 0,
            eof: false,
        };
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter as u8)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(watch);
        Ok(Self {
            reader,
            record: csv::ByteRecord::new(),
            path: path.to_string(),
            started: false,
            delimiter,
        })
    }
}

impl<R: Read> Records<R> {
    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.reader.get_ref().bytes
    }

    /// The quote still open at the end of the text, as an error naming
    /// the line it opens on.
    fn unclosed(&self) -> Option<DataError> {
        let watch = self.reader.get_ref();
        // The `csv` reader asks for more only once it has used what it
        // had, so at the end of the text the record just read is the last.
        (watch.eof && watch.state == Quoting::Quoted).then(|| DataError::Format {
            path: self.path.clone(),
            message: format!(
                "line {}: a quote `\"` opens there and is never closed; close it, or double it (`\"\"`) inside a quoted cell",
                watch.opened
            ),
        })
    }

    /// The next record that is not blank: its first line and its cells as
    /// written (quotes removed, not trimmed), or `None` at the end.
    ///
    /// # Errors
    /// A read error, a quote never closed (with the line it opens on), or
    /// text that is not UTF-8 (with its line).
    pub fn next(&mut self) -> Result<Option<(usize, Vec<&str>)>, DataError> {
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| {
                    let path = self.path.clone();
                    match e.into_kind() {
                        csv::ErrorKind::Io(source) => DataError::Io { path, source },
                        other => DataError::Format {
                            path,
                            message: format!("{other:?}"),
                        },
                    }
                })?;
            // A quote never closed takes the rest of the text into the
            // last record; that is known once the end is reached.
            if let Some(e) = self.unclosed() {
                return Err(e);
            }
            if !more {
                return Ok(None);
            }
            let blank =
                self.record.len() == 1 && self.record[0].iter().all(|b| b.is_ascii_whitespace());
            if !blank {
                break;
            }
        }
        let line = self
            .record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        let not_utf8 = || DataError::Format {
            path: self.path.clone(),
            message: format!("line {line} is not UTF-8 text; save the file as UTF-8 CSV"),
        };
        let all = std::str::from_utf8(self.record.as_slice()).map_err(|_| not_utf8())?;
        let mut fields = Vec::with_capacity(self.record.len());
        for i in 0..self.record.len() {
            let cell = self
                .record
                .range(i)
                .and_then(|r| all.get(r))
                .ok_or_else(not_utf8)?;
            fields.push(cell);
        }
        if !std::mem::replace(&mut self.started, true)
            && let Some(first) = fields.first_mut()
        {
            *first = first.strip_prefix('\u{feff}').unwrap_or(first);
        }
        Ok(Some((line, fields)))
    }
}
