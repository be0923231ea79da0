"""Atomic writes: all or nothing, with the permissions of an ordinary file."""

import os

import pytest

from powerhungry.files import write_atomic


def test_written_file_has_ordinary_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "table.csv", lambda tmp: tmp.write_text("a,b\n"))
    finally:
        os.umask(previous)
    assert (tmp_path / "table.csv").read_text() == "a,b\n"
    assert (tmp_path / "table.csv").stat().st_mode & 0o777 == 0o644


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old\n")

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_atomic(target, fail)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]
