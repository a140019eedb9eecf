"""The export's worksheet writes the very bytes XlsxWriter's own worksheet writes, whatever the cells hold."""

import zipfile
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from server.reports.workbook import CellValue, _StreamedSheet

TEXTS = [
    "Client profile",
    "Needs Assessment and Referral",
    "Fish & chips <b> \"quoted\" 'single'",
    "  leading and trailing  ",
    "two\nlines",
    "ends with a newline\n",
    "\ttab first",
    "control \x01 and \x1f characters",
    "a literal _x0041_ escape",
    "<r>looks like rich text</r>",
    "Ünïcödé — 名前 — ﻿ and \u00a0no-break",
    " ",
    "long " * 4000,  # past half of Excel's limit: XlsxWriter measures it in UTF-16
    "名" * 32_770,  # past Excel's limit: XlsxWriter cuts it
]


def _rows() -> list[list[CellValue]]:
    """Rows as an export writes them: every text several times, empty cells, numbers and dates."""
    rows: list[list[CellValue]] = []
    for row in range(1, 61):
        text = TEXTS[row % len(TEXTS)]
        rows.append(
            [
                text,
                f"row {row} {text}" if row % 3 else text,
                row * 1.5 if row % 4 else row,
                date(2025, 3, 1 + row % 28),
                None if row % 5 else "",
                "" if row % 7 else "last",
            ]
        )
    rows.append([None, "", None])  # nothing to write: the row is left out
    rows.append(["only", 2])
    return rows


def _stock_row(sheet: Worksheet, row: int, values: list[CellValue], day: Format) -> None:
    """What the export wrote before it wrote whole rows: XlsxWriter's own call per cell."""
    for column, value in enumerate(values):
        if value is None or value == "":
            continue
        if isinstance(value, str):
            sheet.write_string(row, column, value)
        elif isinstance(value, date):
            sheet.write_datetime(row, column, datetime.combine(value, time()), day)
        else:
            sheet.write_number(row, column, value)


def _sheet_xml(folder: Path, name: str, write: Callable[[Worksheet, int, list[CellValue], Format], None]) -> bytes:
    path = folder / f"{name}.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    bold, day = book.add_format({"bold": True}), book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Rows", worksheet_class=_StreamedSheet)
    sheet.set_column(0, 5, 20)
    for column, header in enumerate(("Text", "Again", "Number", "Date", "Empty", "Last")):
        sheet.write_string(0, column, header, bold)
    sheet.freeze_panes(1, 0)
    for row, values in enumerate(_rows(), start=1):
        write(sheet, row, values, day)
    book.close()
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def _whole_rows(sheet: Worksheet, row: int, values: list[CellValue], day: Format) -> None:
    assert isinstance(sheet, _StreamedSheet)
    sheet.write_values(row, values, day)


@pytest.mark.parametrize("kept", [_StreamedSheet.CACHED_TEXTS, 3])
def test_the_export_sheet_writes_what_xlsxwriter_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int):
    monkeypatch.setattr(_StreamedSheet, "CACHED_TEXTS", kept)  # 3: what it keeps is dropped and made again
    monkeypatch.setattr(_StreamedSheet, "CACHED_DAYS", kept)
    stock = _sheet_xml(tmp_path, "stock", _stock_row)
    assert b"Fish &amp; chips &lt;b&gt;" in stock  # the comparison covers escaped text
    assert b'r="F8"' in stock and b'r="E6"' not in stock  # and cells left empty
    assert _sheet_xml(tmp_path, "streamed", _whole_rows) == stock


def test_a_formatted_column_keeps_its_format(tmp_path: Path):
    def with_column_format(write: Callable[[Worksheet, int, list[CellValue], Format], None]):
        def formatted(sheet: Worksheet, row: int, values: list[CellValue], day: Format) -> None:
            if row == 1:
                sheet.set_column(1, 1, 20, day)
            write(sheet, row, values, day)

        return formatted

    stock = _sheet_xml(tmp_path, "stock", with_column_format(_stock_row))
    assert b'<c r="B3" s="' in stock  # the column's format is on its text cells
    assert _sheet_xml(tmp_path, "streamed", with_column_format(_whole_rows)) == stock
