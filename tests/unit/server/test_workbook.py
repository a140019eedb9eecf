"""The export's worksheet writes the very bytes XlsxWriter's own worksheet writes, whatever the text in a cell."""

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import xlsxwriter

from server.reports.workbook import _StreamedSheet

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
]


def _sheet_xml(folder: Path, name: str, worksheet_class: type | None) -> bytes:
    path = folder / f"{name}.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    bold, day = book.add_format({"bold": True}), book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Rows", worksheet_class=worksheet_class)
    sheet.set_column(0, 3, 20)
    for column, header in enumerate(("Text", "Again", "Number", "Date")):
        sheet.write_string(0, column, header, bold)
    sheet.freeze_panes(1, 0)
    for row in range(1, 61):  # every text several times, so most rows come from what was kept
        text = TEXTS[row % len(TEXTS)]
        sheet.write_string(row, 0, text)
        sheet.write_string(row, 1, f"row {row} {text}" if row % 3 else text)
        sheet.write_number(row, 2, row * 1.5)
        sheet.write_datetime(row, 3, datetime(2025, 3, 1 + row % 28), day)
    book.close()
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("kept", [_StreamedSheet.CACHED_TEXTS, 3])
def test_the_export_sheet_writes_what_xlsxwriter_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: int):
    monkeypatch.setattr(_StreamedSheet, "CACHED_TEXTS", kept)  # 3: what it keeps is dropped and made again
    stock = _sheet_xml(tmp_path, "stock", None)
    assert b"Fish &amp; chips &lt;b&gt;" in stock  # the comparison covers escaped text
    assert _sheet_xml(tmp_path, "streamed", _StreamedSheet) == stock
