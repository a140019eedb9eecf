"""Reading an agency's list of sites from a CSV file (columns ``code,name,address``) for ``import-sites``.

The whole file is checked before anything is imported, and every problem is reported with its line number, so an
administrator fixes the file in one pass and a half-imported list never reaches the devices.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("code", "name", "address")
MAX_CODE = 40
MAX_NAME = 200
MAX_ADDRESS = 500
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class SiteRow:
    line: int
    code: str
    name: str
    address: str


class SiteFileError(Exception):
    """The file cannot be imported; ``problems`` lists each one as "line N: ..."."""

    def __init__(self, path: Path, problems: list[str]):
        super().__init__(f"{path}: nothing imported. " + "; ".join(problems))
        self.problems = problems


def read_sites_csv(path: Path) -> list[SiteRow]:
    """Every site in the file, or SiteFileError naming every problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as problem:
        raise SiteFileError(path, [f"cannot read the file as UTF-8 text ({problem})"]) from problem
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    if tuple(header) != COLUMNS:
        raise SiteFileError(path, [f"line 1: the header must be {','.join(COLUMNS)}"])
    rows: list[SiteRow] = []
    problems: list[tuple[int, str]] = []
    line = reader.line_num + 1  # where the next record starts (a quoted value may span lines)
    try:
        for values in reader:
            if any(value.strip() for value in values):
                row_problems = _row_problems(values)
                problems += [(line, problem) for problem in row_problems]
                if not row_problems:
                    code, name, address = (value.strip() for value in values)
                    rows.append(SiteRow(line=line, code=code, name=name, address=address))
            line = reader.line_num + 1
    except csv.Error as problem:
        problems.append((line, f"not readable as CSV ({problem})"))
    problems += _repeated_codes(rows)
    if not rows and not problems:
        raise SiteFileError(path, ["the file lists no sites"])
    if problems:
        raise SiteFileError(path, [f"line {line}: {problem}" for line, problem in sorted(problems)])
    return rows


def _row_problems(values: list[str]) -> list[str]:
    if len(values) != len(COLUMNS):
        return [f"expected {len(COLUMNS)} values (code, name, address), found {len(values)}"]
    code, name, address = (value.strip() for value in values)
    problems = []
    if not code:
        problems.append("the code is empty")
    elif len(code) > MAX_CODE or not _CODE.match(code):
        problems.append(f"the code {code!r} must be up to {MAX_CODE} letters, digits, '.', '_' or '-'")
    if not name:
        problems.append("the name is empty")
    elif len(name) > MAX_NAME:
        problems.append(f"the name is longer than {MAX_NAME} characters")
    if len(address) > MAX_ADDRESS:
        problems.append(f"the address is longer than {MAX_ADDRESS} characters")
    return problems


def _repeated_codes(rows: list[SiteRow]) -> list[tuple[int, str]]:
    first_line: dict[str, int] = {}
    problems = []
    for row in rows:
        if row.code in first_line:
            problems.append((row.line, f"the code {row.code!r} was already used on line {first_line[row.code]}"))
        else:
            first_line[row.code] = row.line
    return problems
