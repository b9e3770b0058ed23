"""Inputs of the experiment report scripts, read so that a wrong or incomplete folder stops the script
with one line naming the file (and line and column) and what was expected, not a Python traceback.

A script imports this module (`sys.path` gets `experiments/`), reads its inputs through `folder`,
`read_csv`, `read_json` and `Row.number`, and ends with `report_input.run(main, __doc__, nargs)`:
the wrong number of arguments prints the usage, and a `ReportInputError` prints
`<script>: error: <message>`; both exit with status 2. A file the script opens directly that is
missing or unreadable (`OSError`) is reported the same way, naming the file. Standard library only.
"""
import csv
import json
import os
import sys


class ReportInputError(Exception):
    """An input folder or file is missing or not as expected; the message names it."""


class Row(dict):
    """One CSV row (column → text) that knows its file and line, for messages."""

    def __init__(self, values, path, line):
        super().__init__(values)
        self.path, self.line = path, line

    def text(self, key):
        """The cell `key` as text; a missing cell (a short row) is an error naming the line."""
        value = self.get(key)
        if value is None:
            raise ReportInputError(f"{self.path}, line {self.line}: no value in column '{key}' (the row is shorter than the header)")
        return value

    def number(self, key, empty=None):
        """The cell `key` as a float. An empty cell gives `empty` when that is not None (e.g. nan)."""
        value = self.text(key).strip()
        if value == "" and empty is not None:
            return empty
        try:
            return float(value)
        except ValueError:
            raise ReportInputError(f"{self.path}, line {self.line}, column '{key}': '{value}' is not a number") from None

    def integer(self, key):
        """The cell `key` as an int."""
        value = self.text(key).strip()
        try:
            return int(value)
        except ValueError:
            raise ReportInputError(f"{self.path}, line {self.line}, column '{key}': '{value}' is not an integer") from None


def folder(path, expected):
    """`path` if it is a folder, else an error saying what it should have been."""
    if not os.path.isdir(path):
        what = "not a folder" if os.path.exists(path) else "no such folder"
        raise ReportInputError(f"{path}: {what}; expected {expected}")
    return path


def read_csv(path, expected, columns=()):
    """The rows of the CSV file `path` (header on line 1) as `Row`s; every name in `columns` must be
    in the header."""
    if not os.path.isfile(path):
        raise ReportInputError(f"{path}: no such file; expected {expected}")
    # utf-8-sig: a byte-order mark (as some spreadsheets write) is not part of the first column's name.
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        try:
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise ReportInputError(f"{path}, line 1: no column {', '.join(repr(c) for c in missing)} in the header "
                                       f"({', '.join(header) if header else 'empty file'}); expected {expected}")
            return [Row(r, path, reader.line_num) for r in reader]
        except csv.Error as e:
            raise ReportInputError(f"{path}, line {reader.line_num}: not valid CSV ({e}); expected {expected}") from None
        except UnicodeDecodeError as e:
            raise ReportInputError(f"{path}, byte {e.start}: not UTF-8 text; expected {expected}") from None


def read_json(path, expected):
    """The parsed JSON file `path`."""
    if not os.path.isfile(path):
        raise ReportInputError(f"{path}: no such file; expected {expected}")
    with open(path, encoding="utf-8-sig") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ReportInputError(f"{path}, line {e.lineno}, column {e.colno}: not valid JSON ({e.msg}); expected {expected}") from None
        except UnicodeDecodeError as e:
            raise ReportInputError(f"{path}, byte {e.start}: not UTF-8 text; expected {expected}") from None


def run(main, usage, nargs, default=None):
    """Calls `main(*args)` with the command line's arguments: exactly `nargs` of them, or none when
    `default` (a list of `nargs` arguments) is given. Exits 2 with the usage or the input error."""
    exit_on_help(usage)
    args = sys.argv[1:]
    if not args and default is not None:
        args = list(default)
    if len(args) != nargs:
        print((usage or "").strip(), file=sys.stderr)
        sys.exit(2)
    call(main, *args)


def exit_on_help(usage):
    """Prints `usage` and exits 0 when the command line holds -h or --help (for scripts that parse
    options of their own and so call `call`, not `run`)."""
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        print((usage or "").strip())
        sys.exit(0)


def call(main, *args):
    """Calls `main(*args)`; a `ReportInputError`, or an `OSError` on a file (missing, a folder,
    unreadable), exits 2 with one line `<script>: error: …` instead of a traceback."""
    name = os.path.basename(sys.argv[0])
    try:
        main(*args)
    except ReportInputError as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        sys.exit(2)
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"{name}: error: {where}{e.strerror or e}", file=sys.stderr)
        sys.exit(2)
