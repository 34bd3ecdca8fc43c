"""Reads the project's CSV file the way Neuroglass reads it and builds the
arrays Neuroglass trained on, following data_recipe.json (written by the
export): which columns are features and how each became numbers, the
target and its classes, the rows of the training and the validation part
(Neuroglass's split is a seeded permutation Python cannot repeat, so the
recipe lists the rows), and the normalisation fitted on the training rows.

    import csv_data
    data = csv_data.load_csv("data_recipe.json")          # the file named there
    data = csv_data.load_csv("data_recipe.json", "my.csv", allow_changed=True)
    data.train_x, data.train_y, data.val_x, data.val_y, data.path, data.changed

Records are split by Python's csv module, which follows the same quoting
rules as the Rust csv crate Neuroglass uses; cells, blank lines and numbers
are then read exactly as Neuroglass reads them. Only the standard library
and torch.
"""

import csv
import io
import json
import math
import os
import re
import struct
import zlib
from array import array

import torch

RECIPE_VERSION = 1


class RecipeMismatch(ValueError):
    """The CSV file is missing, unreadable, or no longer fits the recipe."""


# Whitespace as Neuroglass (Rust's str::trim) sees it: Unicode White_Space.
_WHITESPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
               "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")

# Rust's grammar for a float: ASCII digits, no underscores.
_NUMBER = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?)",
    re.IGNORECASE | re.ASCII)


def trim(s):
    """s without leading and trailing whitespace."""
    return s.strip(_WHITESPACE)


def number(cell):
    """The cell as a finite number, as Neuroglass parses it, or None."""
    s = trim(cell)
    if not _NUMBER.fullmatch(s):
        return None
    v = float(s)
    return v if math.isfinite(v) else None


def to_f32(v):
    """v rounded to float32 (infinite beyond its range), as a Python float."""
    try:
        return struct.unpack("<f", struct.pack("<f", v))[0]
    except OverflowError:
        return math.copysign(math.inf, v)


def f32_bits(v):
    """The bit pattern of float32 v."""
    return struct.unpack("<I", struct.pack("<f", v))[0]


def records(f, delim):
    """(line, cells) of each record of binary file f, split by Python's csv
    module as Neuroglass splits it with Rust's csv crate (a quote opens a
    quoted field only at its start; inside, two quotes are one); blank
    records skipped. line is the record's first line."""
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(io.TextIOWrapper(f, encoding="utf-8-sig", newline=""),
                        delimiter=delim, quotechar='"', doublequote=True)
    line = 1
    for cells in reader:
        first, line = line, reader.line_num + 1
        if not cells or (len(cells) == 1 and not cells[0].strip(" \t\n\r\x0c")):
            continue
        yield first, cells


def fingerprint(path):
    """(size in bytes, CRC-32) of a file."""
    crc, size = 0, 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                return size, crc
            size += len(chunk)
            crc = zlib.crc32(chunk, crc)


class _Column:
    """One column of the recipe: a number, or categories (one-hot for a
    feature, a class index for the target)."""

    def __init__(self, spec):
        self.index, self.name = spec["index"], spec["name"]
        self.categorical = spec["kind"] == "categories"
        if self.categorical:
            self.names = spec["names"]
            self.by_text = {n: i for i, n in enumerate(self.names)}
            self.by_bits = {b: i for b, i in spec["numbers"]}
            self.text_from_row = spec["text_from_row"]
        self.width = len(self.names) if self.categorical else 1

    def code(self, cell, row, line):
        """The category of a cell: by its value for rows that were numbers
        at export, by its text after."""
        if row < self.text_from_row:
            v = number(cell)
            i = None if v is None else self.by_bits.get(f32_bits(to_f32(v)))
        else:
            i = self.by_text.get(trim(cell))
        if i is None:
            raise RecipeMismatch(f"line {line}, column {self.name!r}: {trim(cell)!r} is not "
                                 "one of the categories it had at export")
        return i

    def value(self, cell, line):
        """The cell as a float32 value."""
        v = number(cell)
        if v is None:
            raise RecipeMismatch(f"line {line}, column {self.name!r}: {trim(cell)!r} is not a number")
        return to_f32(v)


def _read(path, recipe):
    """The raw features (rows, width) float32 and the targets, as Neuroglass
    read them."""
    spec = recipe["csv"]
    delim, expected = spec["delimiter"], spec["header"]
    features = [_Column(c) for c in recipe["features"]]
    target = _Column(recipe["target"]["column"])
    classes = recipe["target"]["task"] == "classification"
    width = sum(c.width for c in features)
    x, y = array("f"), (array("q") if classes else array("f"))
    rows = 0
    # Rows Neuroglass dropped for a cell that is not a finite float32
    # number (its "drop those rows" setting), by line.
    dropped_bad = set(spec.get("dropped_bad_lines", []))
    try:
        with open(path, "rb") as f:
            recs = records(f, delim)
            first = next(recs, None)
            if first is None:
                raise RecipeMismatch("the file is empty")
            cells = first[1]
            cells[0] = cells[0][1:] if cells[0].startswith("\ufeff") else cells[0]
            header = [trim(h) for h in cells]
            if header != expected:
                raise RecipeMismatch(f"its header is {header!r}; at export it was {expected!r}")
            for line, cells in recs:
                if line in dropped_bad:
                    continue
                if len(cells) != len(header):
                    raise RecipeMismatch(f"line {line} has {len(cells)} cells; the header has {len(header)}")
                if any(not trim(c) for c in cells):
                    if spec["drop_empty_rows"]:
                        continue
                    raise RecipeMismatch(f"line {line} has an empty cell")
                if rows >= spec["rows"]:
                    raise RecipeMismatch(f"it has more than the {spec['rows']} rows it had at export")
                values = [0.0] * width
                j = 0
                for c in features:
                    if c.categorical:
                        values[j + c.code(cells[c.index], rows, line)] = 1.0
                    else:
                        values[j] = c.value(cells[c.index], line)
                    j += c.width
                x.extend(values)
                cell = cells[target.index]
                y.append(target.code(cell, rows, line) if classes else target.value(cell, line))
                rows += 1
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise RecipeMismatch(f"cannot read it: {e}") from e
    if rows != spec["rows"]:
        raise RecipeMismatch(f"it has {rows} rows; at export it had {spec['rows']}")
    xt = torch.frombuffer(x, dtype=torch.float32).clone().view(rows, width)
    yt = torch.frombuffer(y, dtype=torch.int64 if classes else torch.float32).clone()
    return xt, (yt if classes else yt.view(rows, 1))


def _crosses(x, codes):
    """Neuroglass's feature crosses of 2-D points, in float32 (sin to
    within a rounding step of Neuroglass's)."""
    if not codes:
        return x
    a, b = x[:, 0], x[:, 1]
    pi = torch.tensor(to_f32(math.pi), dtype=torch.float32)
    made = {"x1": lambda: a, "x2": lambda: b, "x1_squared": lambda: a * a,
            "x2_squared": lambda: b * b, "x1x2": lambda: a * b,
            "sin_x1": lambda: torch.sin(pi * a), "sin_x2": lambda: torch.sin(pi * b)}
    return torch.stack([made[c]() for c in codes], dim=1)


def _fit(x, kind):
    """The normalisation fitted on training rows x as Neuroglass fits it:
    (shift, scale) per feature; constant features get scale 1."""
    n = x.shape[1]
    if kind == "off" or len(x) == 0:
        return torch.zeros(n), torch.ones(n)
    xd = x.double()
    if kind == "standardize":
        shift, spread = xd.mean(dim=0), xd.std(dim=0, unbiased=False)
    else:
        shift = xd.min(dim=0).values
        spread = xd.max(dim=0).values - shift
    scale = torch.where(spread > 1e-12, spread, torch.ones_like(spread))
    return shift.float(), scale.float()


class CsvData:
    """The arrays built from the CSV file, and where they came from."""

    def __init__(self, train_x, train_y, val_x, val_y, path, changed):
        self.train_x, self.train_y, self.val_x, self.val_y = train_x, train_y, val_x, val_y
        self.path, self.changed = path, changed


def find_csv(recipe, here):
    """The CSV file: where the project had it, else the same name next to
    this script; None if neither exists."""
    spec = recipe["csv"]
    written = spec["path_in_project"]
    candidates = [spec["path"], os.path.join(here, os.path.basename(written.replace("\\", "/")))]
    return next((p for p in candidates if os.path.isfile(p)), None)


def load_csv(recipe_path, csv_path=None, allow_changed=False):
    """Builds train_x, train_y, val_x, val_y from the CSV file.

    csv_path: the file, else the one data_recipe.json names (see find_csv).
    allow_changed: read a file that changed since the export (its size or
    CRC-32 differ) if it still has the same header, rows and categories; its
    normalisation is then fitted again on the training rows. Otherwise a
    changed file is a RecipeMismatch."""
    with open(recipe_path, encoding="utf-8") as f:
        recipe = json.load(f)
    if recipe.get("version") != RECIPE_VERSION:
        raise RecipeMismatch(f"{recipe_path} has version {recipe.get('version')}; "
                             f"this reader knows {RECIPE_VERSION}")
    here = os.path.dirname(os.path.abspath(recipe_path))
    path = csv_path or find_csv(recipe, here)
    if path is None or not os.path.isfile(path):
        raise RecipeMismatch(f"{path or recipe['csv']['path']} is not there")
    size, crc = fingerprint(path)
    changed = (size, crc) != (recipe["csv"]["bytes"], recipe["csv"]["crc32"])
    if changed and not allow_changed:
        raise RecipeMismatch(f"{path} changed since the export (its size or CRC-32 differ)")
    x, y = _read(path, recipe)
    x = _crosses(x, recipe["crosses"])
    split = recipe["split"]
    train_rows = torch.tensor(split["train_rows"], dtype=torch.int64)
    val_rows = torch.tensor(split["validation_rows"], dtype=torch.int64)
    train_x, val_x = x[train_rows], x[val_rows]
    norm = recipe["normalization"]
    if changed:
        shift, scale = _fit(train_x, norm["kind"])
    else:
        nan = float("nan")
        shift = torch.tensor([nan if v is None else v for v in norm["shift"]], dtype=torch.float32)
        scale = torch.tensor([nan if v is None else v for v in norm["scale"]], dtype=torch.float32)
    return CsvData((train_x - shift) / scale, y[train_rows], (val_x - shift) / scale,
                   y[val_rows], path, changed)
