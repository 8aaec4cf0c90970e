"""The bytes of a spreadsheet export (CSV, TSV, XLSX) as rows of text, whatever the encoding.

Form tools and spreadsheet programs write CSV in several ways: UTF-8 with or without a
byte-order mark (Google Forms, Moodle), UTF-16 with tabs (Excel's "Unicode text"), a
legacy code page with ``;`` (Excel in many European locales, sometimes with a ``sep=;``
first line). Each is read, or refused with a message naming the file; a guess that could
change what a cell says (a non-UTF-8 code page) is recorded in ``Sheet.notes``.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from itertools import islice

from ..errors import SubmissionError, clip
from ..limits import MAX_FORM_CELLS, MAX_FORM_COLUMNS, MAX_FORM_ROWS

XLSX_MAX_UNPACKED = 200_000_000   # a workbook that inflates past this is a ZIP bomb, not a form
DELIMITERS = (",", ";", "\t")


@dataclass
class Sheet:
    """The header row first, then one list of cell texts per row (as many cells as the header)."""

    rows: list[list[str]]
    kind: str                                       # "CSV" or "XLSX", for messages
    notes: list[str] = field(default_factory=list)  # how the file was read, when that was a guess


def read_sheet(data: bytes, shown: str, suffix: str) -> Sheet:
    """The rows of a ``.csv``/``.tsv``/``.xlsx`` export; SubmissionError when unreadable."""
    if data.startswith(b"PK\x03\x04"):
        sheet = read_xlsx(data, shown)
        if suffix != ".xlsx":
            sheet.notes.append(f"the file is an Excel workbook despite its '{suffix}' name; read as .xlsx")
        return sheet
    if suffix == ".xlsx":
        raise SubmissionError("is not an Excel workbook (.xlsx files are ZIP archives); "
                              "export the form again, or save it as CSV", file=shown)
    text, notes = decode_text(data, shown)
    return Sheet(read_csv(text, shown, suffix), "CSV", notes)


# -- text ----------------------------------------------------------------------------------

def decode_text(data: bytes, shown: str) -> tuple[str, list[str]]:
    """The text of a CSV file and notes on any guess made about its encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[3:], "utf-8", shown), []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", shown), []
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise SubmissionError("is a binary file, not a CSV text export", file=shown)
        return _decode(data, utf16, shown), [f"the file has no byte-order mark; read as {utf16.upper()}"]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    damaged = lenient.count("\ufffd")
    if sum(1 for ch in lenient if ord(ch) > 0x7F) - damaged > damaged:
        # mostly valid multi-byte UTF-8: a damaged file, not another encoding
        return lenient, [f"{damaged} byte(s) are not valid UTF-8 and were replaced by \ufffd"]
    try:
        return data.decode("cp1252"), ["the file is not UTF-8; read as Windows-1252 (cp1252). "
                                       "Check names with accents, or export as UTF-8"]
    except UnicodeDecodeError:
        return data.decode("latin-1"), ["the file is not UTF-8; read as Latin-1 (ISO 8859-1). "
                                        "Check names with accents, or export as UTF-8"]


def _decode(data: bytes, encoding: str, shown: str) -> str:
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"is not valid {encoding.upper()} text (byte {exc.start}); "
                              "export it again as UTF-8 CSV", file=shown) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when NUL bytes sit in every other place (ASCII text in UTF-16)."""
    sample = data[:4096]
    even, odd = sample[0::2], sample[1::2]
    if odd and odd.count(0) >= 0.8 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even and even.count(0) >= 0.8 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


def read_csv(text: str, shown: str, suffix: str = ".csv") -> list[list[str]]:
    """Rows of a CSV/TSV text: the separator is ``sep=`` when given, else the one that fits."""
    first, _, rest = text.partition("\n")
    if first.rstrip("\r").lower().startswith("sep=") and len(first.rstrip("\r")) == 5:
        delimiter, text = first[4], rest  # Excel's hint line
    elif suffix == ".tsv":
        delimiter = "\t"
    else:
        delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    bounds = _Bounds(shown)
    rows = []
    try:
        for row in reader:
            bounds.add(row, reader.line_num)
            rows.append(row)
    except csv.Error as exc:
        raise SubmissionError(f"cannot read the CSV ({exc})", file=shown, line=reader.line_num) from None
    return rows


class _Bounds:
    """Counts a sheet's rows, columns and cells as they are read, and refuses the sheet as
    soon as one goes over its limit (a million-row CSV is under the size limit, issue 9).
    Cells are counted as rows times the widest row: every row is padded to that width."""

    def __init__(self, shown: str):
        self.shown = shown
        self.rows = 0
        self.widest = 0

    def add(self, row: list | tuple, line: int | None = None) -> None:
        self.rows += 1
        if self.rows > MAX_FORM_ROWS + 1:
            raise SubmissionError(f"the sheet has more than {MAX_FORM_ROWS:,} rows of respondents; a form export "
                                  "holds one row per student", file=self.shown, line=line)
        if len(row) > MAX_FORM_COLUMNS:
            raise SubmissionError(f"row {self.rows} has {len(row):,} cells; a form export has at most "
                                  f"{MAX_FORM_COLUMNS:,} columns", file=self.shown, line=line)
        self.widest = max(self.widest, len(row))
        if self.rows * self.widest > MAX_FORM_CELLS:
            raise SubmissionError(f"the sheet has more than {MAX_FORM_CELLS:,} cells (rows times columns); "
                                  "a form export is far smaller", file=self.shown, line=line)


def sniff_delimiter(text: str) -> str:
    """The separator whose rows agree with the header: ``,``, ``;`` or tab.

    Question titles may contain commas while the separator is ``;`` (Excel in a European
    locale), so the widest header alone is not enough: rows that have as many cells as
    the header count first.
    """
    sample = text[:65536]
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            rows = list(islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), 8))
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        body = rows[1:-1] if len(text) > len(sample) else rows[1:]  # the sample may cut the last row
        agreeing = sum(1 for row in body if len(row) == width) if width > 1 else 0
        score = (agreeing, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# -- xlsx ----------------------------------------------------------------------------------

def read_xlsx(data: bytes, shown: str) -> Sheet:
    """The first worksheet's rows as text; dates as ISO text, whole numbers without ``.0``."""
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError:
        raise SubmissionError("reading .xlsx files needs the optional package openpyxl "
                              "(pip install openpyxl); or save the sheet as CSV", file=shown) from None
    _check_zip(data, shown)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and the like: nothing for a grader
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                rows = _xlsx_rows(book.worksheets[0], shown)
            finally:
                book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError,
            AttributeError, OverflowError, EOFError, NotImplementedError, RuntimeError, zlib.error,
            SyntaxError) as exc:
        # what openpyxl, zipfile and zlib raise on damaged parts: SyntaxError is xml.etree's
        # ParseError, OverflowError a date serial past year 9999, NotImplementedError a ZIP
        # compression method, RuntimeError an encrypted member
        message = clip(" ".join(str(exc).split()), 200)  # part names come from the file
        raise SubmissionError(f"cannot read the Excel workbook ({type(exc).__name__}: {message})",
                              file=shown) from None
    return Sheet(_pad(rows), "XLSX")


def _xlsx_rows(sheet, shown: str) -> list[list[str]]:
    """The sheet's rows as text, within the form limits. openpyxl fills every row out to the
    sheet's declared size (``<dimension ref="A1:XFD1048576"/>``: 17 billion cells), so that
    size is checked first and the rows are read within it."""
    rows_declared, columns_declared = sheet.max_row, sheet.max_column
    if rows_declared is not None and rows_declared > MAX_FORM_ROWS + 1:
        raise SubmissionError(f"the sheet declares {rows_declared:,} rows; a form export has at most "
                              f"{MAX_FORM_ROWS:,} rows of respondents", file=shown)
    if columns_declared is not None and columns_declared > MAX_FORM_COLUMNS:
        raise SubmissionError(f"the sheet declares {columns_declared:,} columns; a form export has at most "
                              f"{MAX_FORM_COLUMNS:,}", file=shown)
    if rows_declared is not None and columns_declared is not None and (
            rows_declared * columns_declared > MAX_FORM_CELLS):
        raise SubmissionError(f"the sheet declares {rows_declared:,} rows of {columns_declared:,} columns; a "
                              f"form export has at most {MAX_FORM_CELLS:,} cells", file=shown)
    bounds = _Bounds(shown)
    rows = []
    # an undeclared size: rows are read up to one past the limit (openpyxl stops there), and
    # each row only as wide as its last cell
    for row in sheet.iter_rows(values_only=True, max_row=rows_declared or MAX_FORM_ROWS + 2):
        width = len(row)
        while width and row[width - 1] in (None, ""):
            width -= 1
        bounds.add(row[:width])
        rows.append([cell_text(value) for value in row[:width]])
    return rows


def _check_zip(data: bytes, shown: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise SubmissionError("is a damaged ZIP archive, not a readable .xlsx workbook", file=shown) from None
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise SubmissionError("is a ZIP archive but not an Excel workbook (.xlsx)", file=shown)
    if sum(m.file_size for m in members) > XLSX_MAX_UNPACKED:
        raise SubmissionError(f"the workbook unpacks to more than {XLSX_MAX_UNPACKED / 1e6:g} MB; "
                              "a form export is far smaller", file=shown)


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _pad(rows: list[list[str]]) -> list[list[str]]:
    """Drop trailing empty rows and columns that spreadsheets report as part of the range."""
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    width = max((i + 1 for row in rows for i, cell in enumerate(row) if cell.strip()), default=0)
    return [(row + [""] * width)[:width] for row in rows]


# -- timestamps ----------------------------------------------------------------------------

_TIME_FORMATS = (  # as the tools write them; the first format that reads a whole column wins
    "%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S",              # Google Forms (most locales)
    "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S",  # Google Forms (en-US, en-GB, de)
    "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M", "%d.%m.%Y %H:%M",  # Microsoft Forms re-saved by Excel
    "%d %B %Y, %I:%M %p", "%A, %d %B %Y, %I:%M %p", "%d %B %Y %I:%M %p",  # Moodle
)
_ZONE = re.compile(r"\s+(?:GMT|UTC)(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$")


def parse_times(texts: list[str]) -> list[dt.datetime | None]:
    """A column of timestamps as naive UTC datetimes (None where a cell is empty or unreadable).

    One format is chosen for the whole column, so ``01/09/2024`` is read the same way in
    every row of a file (day-first or month-first, whichever reads all of them).
    """
    cleaned = [" ".join(t.split()) for t in texts]
    zones = [_ZONE.search(t) for t in cleaned]
    bare = [t[:z.start()] if z else t for t, z in zip(cleaned, zones)]
    filled = [t for t in bare if t and t != "-"]
    parsers = [_iso] + [_strptime(f) for f in _TIME_FORMATS]
    parser = next((p for p in parsers if filled and all(p(t) for t in filled)), None)
    if parser is None:
        return [None] * len(texts)
    out: list[dt.datetime | None] = []
    for text, zone in zip(bare, zones):
        stamp = parser(text) if text and text != "-" else None
        if stamp is not None and zone and zone[1]:
            offset = dt.timedelta(hours=int(zone[2]), minutes=int(zone[3] or 0))
            try:
                stamp -= offset if zone[1] == "+" else -offset
            except OverflowError:  # 0001-01-01 00:00 GMT+5 is before the first representable time
                stamp = None
        out.append(stamp)
    return out


def _iso(text: str) -> dt.datetime | None:
    try:
        stamp = dt.datetime.fromisoformat(text)
        return stamp.astimezone(dt.timezone.utc).replace(tzinfo=None) if stamp.tzinfo else stamp
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+05:00 in UTC is before year 1
        return None


def _strptime(fmt: str):
    def parse(text: str) -> dt.datetime | None:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            return None
    return parse
