"""Checking a sites CSV before import: every problem, with its line, and nothing partial."""

from pathlib import Path

import pytest

from server.site_import import SiteFileError, SiteRow, read_sites_csv


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_reads_with_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, '\ufeffcode,name,address\nN-001,Main,"1 King St\nUnit 4"\n\nN-002,Library desk,\n')
    assert read_sites_csv(path) == [
        SiteRow(line=2, code="N-001", name="Main", address="1 King St\nUnit 4"),
        SiteRow(line=5, code="N-002", name="Library desk", address=""),
    ]


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    path = write(
        tmp_path, "code,name,address\nA,Alpha,\nA,Again,\n,Nameless code,\nB B,Space,\nC,,\nD,Too,many,values\n"
    )
    with pytest.raises(SiteFileError) as problem:
        read_sites_csv(path)
    lines = [message.split(":")[0] for message in problem.value.problems]
    assert lines == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "line 2" in problem.value.problems[0]  # the repeat names the first use


@pytest.mark.parametrize("text", ["name,code,address\nMain,N-1,\n", "", "code,name\nN-1,Main\n"])
def test_a_wrong_header_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(SiteFileError, match="line 1"):
        read_sites_csv(write(tmp_path, text))


def test_a_file_without_sites_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SiteFileError, match="no sites"):
        read_sites_csv(write(tmp_path, "code,name,address\n\n"))


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_bytes("code,name,address\nM-1,Montréal,\n".encode("latin-1"))
    with pytest.raises(SiteFileError, match="UTF-8"):
        read_sites_csv(path)
