"""Writing the export's sheets, row by row, to an Excel workbook or to a folder of CSV files.

XlsxWriter in ``constant_memory`` mode writes each row to a temporary file as soon as the next one starts, so a
workbook of any size is written without holding it (openpyxl's write-only mode also streams, at about half the
speed here; see docs/reports.md). Identifiers are always written as text, so "00123" keeps its zeros. CSV files are
UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 (names in any script stay readable).

An export repeats the same few texts on every row (a sheet's reasons, codes, site and service names), and in this
mode XlsxWriter escapes each text cell anew as it writes it out; ``_StreamedSheet`` keeps the escaped form of the
texts it has written, a bounded number of them, and writes exactly the XML XlsxWriter would.
"""

import csv
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, Protocol

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellStringTuple, Worksheet

CellValue = str | int | float | date | None
XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)


class SheetWriter(Protocol):
    def write(self, values: Sequence[CellValue]) -> None: ...


class BookWriter(Protocol):
    def add_sheet(self, name: str, headers: Sequence[str]) -> SheetWriter: ...

    def close(self) -> None: ...


class _StreamedSheet(Worksheet):
    """A ``constant_memory`` worksheet that writes a plain text cell (no format of its own, its row's or its column's)
    from the escaped XML it made for the same text before, byte for byte what ``Worksheet`` writes.

    ``_write_cell`` is XlsxWriter's inner loop (not public API); tests/unit/server/test_workbook.py compares this
    sheet's XML with the stock worksheet's for the same cells, so an XlsxWriter that changes it is caught.
    """

    CACHED_TEXTS = 20_000
    """Texts whose XML is kept at a time: a row's repeated words stay; unique names and ids come and go."""

    def __init__(self) -> None:
        super().__init__()
        self._text_xml: dict[str, str] = {}
        self._column_names: dict[int, str] = {}

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        plain_text = self.constant_memory and type(cell) is CellStringTuple and cell.format is None
        text_xml = None
        if plain_text and self._plain(row, col):
            text_xml = self._text_xml.get(cell.string) or self._inline_text_xml(cell.string)
        if text_xml is None:
            super()._write_cell(row, col, cell)
            return
        column = self._column_names.get(col) or self._column_names.setdefault(col, xl_col_to_name(col))
        self.fh.write(f'<c r="{column}{row + 1}" t="inlineStr">{text_xml}</c>')

    def _plain(self, row: int, col: int) -> bool:
        """No row or column format that XlsxWriter would give the cell."""
        if row in self.row_info and self.row_info[row].row_format:
            return False
        column = self.col_info.get(col)
        return column is None or column.column_format is None

    def _inline_text_xml(self, text: str) -> str | None:
        """The cell's ``<is>`` element for ``text``, kept for next time; None for what XlsxWriter takes as rich text."""
        escaped = self._escape_control_characters(text)
        if escaped.startswith("<r>") and escaped.endswith("</r>"):
            return None
        preserve = ' xml:space="preserve"' if escaped != escaped.strip() else ""
        text_xml = f"<is><t{preserve}>{self._escape_data(escaped)}</t></is>"
        if len(self._text_xml) >= self.CACHED_TEXTS:
            self._text_xml.clear()
        self._text_xml[text] = text_xml
        return text_xml


class _XlsxSheet:
    def __init__(self, book: "XlsxBook", name: str, headers: Sequence[str]):
        self.book = book
        self.sheet = book.workbook.add_worksheet(name, worksheet_class=_StreamedSheet)
        for index, header in enumerate(headers):
            self.sheet.set_column(index, index, max(12, min(len(header) + 2, 40)))
            self.sheet.write_string(0, index, header, book.bold)
        self.sheet.freeze_panes(1, 0)
        self.row = 0

    def write(self, values: Sequence[CellValue]) -> None:
        self.row += 1
        for column, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                self.sheet.write_string(self.row, column, value)
            elif isinstance(value, date):
                self.sheet.write_datetime(self.row, column, datetime.combine(value, time()), self.book.day)
            else:
                self.sheet.write_number(self.row, column, value)


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
