"""Writing the export's sheets, row by row, to an Excel workbook or to a folder of CSV files.

XlsxWriter in ``constant_memory`` mode writes each row to a temporary file as soon as the next one starts, so a
workbook of any size is written without holding it (openpyxl's write-only mode also streams, at about half the
speed here; see docs/reports.md). Identifiers are always written as text, so "00123" keeps its zeros. CSV files are
UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 (names in any script stay readable).

XlsxWriter's per-cell calls were most of a large export's time; ``_StreamedSheet`` writes a whole row's XML at once,
exactly the XML XlsxWriter would write, keeping the escaped form of the texts a sheet repeats.
"""

import csv
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from math import isfinite
from pathlib import Path
from typing import IO, Protocol

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

CellValue = str | int | float | date | None
XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
_MAY_NEED_ESCAPING = re.compile("[\x00-\x1f&<>_\ufffe\uffff]")
"""Characters XlsxWriter escapes in text, or that start an escape of its own (``_x0041_``)."""


class SheetWriter(Protocol):
    def write(self, values: Sequence[CellValue]) -> None: ...


class BookWriter(Protocol):
    def add_sheet(self, name: str, headers: Sequence[str]) -> SheetWriter: ...

    def close(self) -> None: ...


class _StreamedSheet(Worksheet):
    """A ``constant_memory`` worksheet that writes a row of plain cells straight to its file, byte for byte the XML
    XlsxWriter writes for the same ``write_string``, ``write_number`` and ``write_datetime`` calls.

    Per cell XlsxWriter checks the arguments, stores the cell and, when the next row starts, walks the row's columns
    and escapes each text anew, though an export repeats the same few texts on every row (reasons, codes, site and
    service names). ``write_values`` does the bookkeeping once per row and keeps the escaped XML of the texts it has
    written, a bounded number of them. Anything it does not handle the same way (formats on the row or a column,
    very long or rich-looking text, numbers that are not finite) goes through XlsxWriter's own calls. It leans on
    XlsxWriter's inner workings (``_write_single_row``, ``_write_row``, the dimensions), which are not public API;
    tests/unit/server/test_workbook.py compares this sheet's XML with the stock worksheet's for the same cells, so
    an XlsxWriter that changes them is caught.
    """

    CACHED_TEXTS = 20_000
    """Texts whose XML is kept at a time: a row's repeated words stay; unique names and ids come and go."""
    CACHED_DAYS = 5_000

    def __init__(self) -> None:
        super().__init__()
        self._text_xml: dict[str, str] = {}
        self._day_numbers: dict[date, str] = {}
        self._column_names: list[str] = []

    def write_values(self, row: int, values: Sequence[CellValue], day: Format) -> None:
        """Write a row: text as text, dates as ``day`` formats them, numbers as numbers; None and "" left empty."""
        if not self.constant_memory or not self.previous_row < row < self.xls_rowmax or len(values) > self.xls_colmax:
            self._write_one_by_one(row, values, day)  # XlsxWriter's own calls refuse or handle these
            return
        written = [column for column, value in enumerate(values) if value is not None and value != ""]
        if not written:
            return
        self._check_dimensions(row, written[0])  # the row, and the row's leftmost and rightmost columns
        self._check_dimensions(row, written[-1])
        self._write_single_row(row)  # the row before, as XlsxWriter writes it when a later row starts
        cells = None if row in self.row_info else self._cells_xml(row, written, values, day)
        if cells is None:
            self._write_one_by_one(row, values, day)  # kept, and written when the next row starts, as XlsxWriter does
            return
        self._write_row(row, None)
        self.fh.write(cells + "</row>")

    def _cells_xml(self, row: int, written: list[int], values: Sequence[CellValue], day: Format) -> str | None:
        """The cells of ``values`` in these columns as XlsxWriter writes them; None when XlsxWriter's own calls
        must write them."""
        if written[-1] >= len(self._column_names):
            self._column_names = [xl_col_to_name(column) for column in range(written[-1] + 1)]
        names, texts, column_info = self._column_names, self._text_xml, self.col_info
        number = str(row + 1)
        cells: list[str] = []
        for column in written:
            value = values[column]
            info = column_info.get(column)
            if info is not None and info.column_format is not None:
                return None
            if isinstance(value, str):
                text_xml = texts.get(value) or self._inline_text_xml(value)
                if text_xml is None:
                    return None
                cells.append(f'<c r="{names[column]}{number}" t="inlineStr">{text_xml}</c>')
            elif isinstance(value, date):
                serial = self._day_numbers.get(value) or self._day_number(value)
                cells.append(f'<c r="{names[column]}{number}" s="{day._get_xf_index()}"><v>{serial}</v></c>')
            elif value is not None and isfinite(value):
                cells.append(f'<c r="{names[column]}{number}"><v>{value:.16G}</v></c>')
            else:
                return None
        return "".join(cells)

    def _write_one_by_one(self, row: int, values: Sequence[CellValue], day: Format) -> None:
        for column, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                self.write_string(row, column, value)
            elif isinstance(value, date):
                self.write_datetime(row, column, datetime.combine(value, time()), day)
            else:
                self.write_number(row, column, value)

    def _inline_text_xml(self, text: str) -> str | None:
        """The cell's ``<is>`` element for ``text``, kept for next time; None for text XlsxWriter would cut to its
        limit or take as rich text."""
        if len(text) > self.xls_strmax // 2:
            return None
        if _MAY_NEED_ESCAPING.search(text) is None:  # most texts: XlsxWriter's escaping leaves them as they are
            escaped = data = text
        else:
            escaped = self._escape_control_characters(text)
            if escaped.startswith("<r>") and escaped.endswith("</r>"):
                return None
            data = self._escape_data(escaped)
        preserve = ' xml:space="preserve"' if escaped != escaped.strip() else ""
        text_xml = f"<is><t{preserve}>{data}</t></is>"
        if len(self._text_xml) >= self.CACHED_TEXTS:
            self._text_xml.clear()
        self._text_xml[text] = text_xml
        return text_xml

    def _day_number(self, day: date) -> str:
        serial = f"{self._convert_date_time(datetime.combine(day, time())):.16G}"
        if len(self._day_numbers) >= self.CACHED_DAYS:
            self._day_numbers.clear()
        self._day_numbers[day] = serial
        return serial


class _XlsxSheet:
    def __init__(self, book: "XlsxBook", name: str, headers: Sequence[str]):
        self.book = book
        self.sheet: _StreamedSheet = book.workbook.add_worksheet(name, worksheet_class=_StreamedSheet)
        for index, header in enumerate(headers):
            self.sheet.set_column(index, index, max(12, min(len(header) + 2, 40)))
            self.sheet.write_string(0, index, header, book.bold)
        self.sheet.freeze_panes(1, 0)
        self.row = 0

    def write(self, values: Sequence[CellValue]) -> None:
        self.row += 1
        self.sheet.write_values(self.row, values, self.book.day)


class XlsxBook:
    """One .xlsx file; sheets appear in the order they are added."""

    def __init__(self, path: Path, *, date_format: str):
        self.workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
        self.bold = self.workbook.add_format({"bold": True})
        self.day = self.workbook.add_format({"num_format": date_format})

    def add_sheet(self, name: str, headers: Sequence[str]) -> SheetWriter:
        return _XlsxSheet(self, name, headers)

    def close(self) -> None:
        self.workbook.close()


class _CsvSheet:
    def __init__(self, stream: IO[str], headers: Sequence[str]):
        self.writer = csv.writer(stream)
        self.writer.writerow(headers)

    def write(self, values: Sequence[CellValue]) -> None:
        self.writer.writerow(["" if value is None else _csv_text(value) for value in values])


def _csv_text(value: str | int | float | date) -> str | int | float:
    return value.isoformat() if isinstance(value, date) else value


class CsvFolder:
    """A folder with one numbered CSV file per sheet ("01-client-profile.csv", ...), in upload order."""

    def __init__(self, path: Path):
        path.mkdir()
        self.path = path
        self.streams: list[IO[str]] = []

    def add_sheet(self, name: str, headers: Sequence[str]) -> SheetWriter:
        slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
        stream = (self.path / f"{len(self.streams) + 1:02d}-{slug}.csv").open("w", encoding="utf-8-sig", newline="")
        self.streams.append(stream)
        return _CsvSheet(stream, headers)

    def close(self) -> None:
        for stream in self.streams:
            stream.close()


def open_book(file_format: str, path: Path, *, date_format: str) -> BookWriter:
    if file_format == XLSX:
        return XlsxBook(path, date_format=date_format)
    if file_format == CSV:
        return CsvFolder(path)
    raise ValueError(f"The format must be one of: {', '.join(FORMATS)}.")
