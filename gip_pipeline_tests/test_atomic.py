"""atomic_write: old or new file, never half; the temporary file never lingers."""

from __future__ import annotations

import stat

import pytest

from gip_pipeline.atomic import atomic_write, atomic_write_text


def test_text_written_with_mode_and_no_newline_translation(tmp_path):
    p = atomic_write_text(tmp_path / "sub" / "a.json", "一\r\n二\n")
    assert p.read_bytes() == "一\r\n二\n".encode("utf-8")
    assert stat.S_IMODE(p.stat().st_mode) == 0o644
    q = atomic_write_text(tmp_path / "b.txt", "x", mode=0o444, fsync=True)
    assert stat.S_IMODE(q.stat().st_mode) == 0o444
    assert sorted(x.name for x in tmp_path.iterdir()) == ["b.txt", "sub"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = atomic_write_text(tmp_path / "a.txt", "old")

    def boom(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise RuntimeError("disk full")

    # The writer's own error stays the cause; the error names the file and the space left.
    with pytest.raises(OSError, match=r"could not write .*a\.txt \([\d,?]+ MB free .*disk full") as e:
        atomic_write(target, boom)
    assert isinstance(e.value.__cause__, RuntimeError)
    assert target.read_text() == "old"
    assert [x.name for x in tmp_path.iterdir()] == ["a.txt"]
