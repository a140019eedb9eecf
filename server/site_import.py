"""Reading an agency's list of sites from a CSV file (columns ``code,name,address``), for ``import-sites`` and the
console's upload.

The whole file is checked before anything is imported, and every problem is reported with its line number, so an
administrator fixes the file in one pass and a half-imported list never reaches the devices.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from protocol.records import MAX_ADDRESS, MAX_CODE, MAX_NAME
from server.core.messages import N_, Message

COLUMNS = ("code", "name", "address")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class SiteRow:
    line: int
    code: str
    name: str
    address: str


class SiteFileError(Exception):
    """The file cannot be imported; ``messages`` lists each problem (with its line), ``problems`` the same in
    English as "line N: ..."."""

    def __init__(self, source: str, messages: list[Message]):
        self.messages = messages
        self.problems = [str(message) for message in messages]
        super().__init__(f"{source}: nothing imported. " + "; ".join(self.problems))


def read_sites_csv(path: Path) -> list[SiteRow]:
    """Every site in the file, or SiteFileError naming every problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as problem:
        raise SiteFileError(str(path), [_unreadable(problem)]) from problem
    return read_sites_text(text, source=str(path))


def read_sites_bytes(content: bytes, *, source: str) -> list[SiteRow]:
    """The same for an uploaded file's bytes."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise SiteFileError(source, [_unreadable(problem)]) from problem
    return read_sites_text(text, source=source)


def _unreadable(problem: Exception) -> Message:
    return Message(N_("cannot read the file as UTF-8 text ({problem})"), {"problem": problem})


def read_sites_text(text: str, *, source: str) -> list[SiteRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if tuple(header) != COLUMNS:
        raise SiteFileError(source, [_at(1, N_("the header must be {header}"), header=",".join(COLUMNS))])
    rows: list[SiteRow] = []
    problems: list[Message] = []
    line = reader.line_num + 1  # where the next record starts (a quoted value may span lines)
    try:
        for values in reader:
            if any(value.strip() for value in values):
                row_problems = _row_problems(line, values)
                problems += row_problems
                if not row_problems:
                    code, name, address = (value.strip() for value in values)
                    rows.append(SiteRow(line=line, code=code, name=name, address=address))
            line = reader.line_num + 1
    except csv.Error as problem:
        problems.append(_at(line, N_("not readable as CSV ({problem})"), problem=problem))
    problems += _repeated_codes(rows)
    if not rows and not problems:
        raise SiteFileError(source, [Message(N_("the file lists no sites"))])
    if problems:
        raise SiteFileError(source, sorted(problems, key=lambda message: message.params["line"]))
    return rows


def _at(line: int, text: str, **params: object) -> Message:
    return Message(N_("line {line}: {problem}"), {"line": line, "problem": Message(text, params)})


def _row_problems(line: int, values: list[str]) -> list[Message]:
    if len(values) != len(COLUMNS):
        return [_at(line, N_("expected 3 values (code, name, address), found {count}"), count=len(values))]
    code, name, address = (value.strip() for value in values)
    problems = []
    if not code:
        problems.append(_at(line, N_("the code is empty")))
    elif len(code) > MAX_CODE or not _CODE.match(code):
        problems.append(
            _at(line, N_("the code {code!r} must be up to {limit} letters, digits, '.', '_' or '-'"),
                code=code, limit=MAX_CODE)
        )  # fmt: skip
    if not name:
        problems.append(_at(line, N_("the name is empty")))
    elif len(name) > MAX_NAME:
        problems.append(_at(line, N_("the name is longer than {limit} characters"), limit=MAX_NAME))
    if len(address) > MAX_ADDRESS:
        problems.append(_at(line, N_("the address is longer than {limit} characters"), limit=MAX_ADDRESS))
    return problems


def _repeated_codes(rows: list[SiteRow]) -> list[Message]:
    first_line: dict[str, int] = {}
    problems = []
    for row in rows:
        if row.code in first_line:
            problems.append(
                _at(row.line, N_("the code {code!r} was already used on line {first}"),
                    code=row.code, first=first_line[row.code])
            )  # fmt: skip
        else:
            first_line[row.code] = row.line
    return problems
