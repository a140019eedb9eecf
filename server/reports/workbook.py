"""Writing the export's sheets, row by row, to an Excel workbook or to a folder of CSV files.

XlsxWriter in ``constant_memory`` mode writes each row to a temporary file as soon as the next one starts, so a
workbook of any size is written without holding it (openpyxl's write-only mode also streams, at about half the
speed here; see docs/reports.md). Identifiers are always written as text, so "00123" keeps its zeros. CSV files are
UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 (names in any script stay readable).
"""

import csv
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Protocol

import xlsxwriter

CellValue = str | int | float | date | None
XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)


class SheetWriter(Protocol):
    def write(self, values: Sequence[CellValue]) -> None: ...


class BookWriter(Protocol):
    def add_sheet(self, name: str, headers: Sequence[str]) -> SheetWriter: ...

    def close(self) -> None: ...


class _XlsxSheet:
    def __init__(self, book: "XlsxBook", name: str, headers: Sequence[str]):
        self.book = book
        self.sheet = book.workbook.add_worksheet(name)
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
