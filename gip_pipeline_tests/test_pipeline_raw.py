import hashlib

import pytest

from gip_pipeline.raw import (HIDDEN_FILE, HIDDEN_FOLDER, LINK_OUT, NOT_REGULAR, discover,
                              guess_format, is_synthetic, jobs_for)


def test_discover_lists_files_sorted_with_hash_size_and_format(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.PDF").write_bytes(b"%PDF-1.4 x")
    (tmp_path / "a.txt").write_text("报告", encoding="utf-8")
    (tmp_path / "c.xyz").write_bytes(b"?")
    found = discover(tmp_path)
    assert [f.path for f in found] == ["a.txt", "b/z.PDF", "c.xyz"]
    a = found[0]
    assert a.sha256 == hashlib.sha256("报告".encode()).hexdigest()
    assert a.size == len("报告".encode())
    assert [f.format for f in found] == ["txt", "pdf", None]  # unknown kept, for the parser to reject


def test_discover_lists_every_file_and_says_why_some_are_not_read(tmp_path):
    import os

    (tmp_path / ".gitkeep").write_text("")
    (tmp_path / "..seed.txt").write_text("x")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "x.txt").write_text("x")
    (tmp_path / "README.md").write_text("about")  # read like any other file
    (tmp_path / "r.html").write_text("<p>")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("secret")
    (tmp_path / "out.txt").symlink_to(outside)
    (tmp_path / "in.html").symlink_to(tmp_path / "r.html")  # inside: read, target's size
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would block: never opened
    found = {f.path: f for f in discover(tmp_path)}
    assert {p: f.skip_reason for p, f in found.items()} == {
        ".gitkeep": HIDDEN_FILE, "..seed.txt": HIDDEN_FILE, ".cache/x.txt": HIDDEN_FOLDER,
        "README.md": None, "r.html": None, "in.html": None, "out.txt": LINK_OUT,
        "dangling.txt": NOT_REGULAR, "pipe.txt": NOT_REGULAR}
    assert found["in.html"].size == 3 and found["in.html"].sha256 == found["r.html"].sha256
    assert found["out.txt"].sha256 is None and found["pipe.txt"].sha256 is None
    assert found["..seed.txt"].sha256 == hashlib.sha256(b"x").hexdigest()  # hashed, not parsed
    assert sorted(j.name for j in jobs_for(list(found.values()), tmp_path)) == [
        "README.md", "in.html", "r.html"]


def test_a_file_deleted_or_unopenable_while_listing_does_not_fail_the_listing(tmp_path,
                                                                             monkeypatch):
    """Between the folder's listing and the hashing: a deleted file is no longer input; one
    that cannot be opened (no permission: root ignores modes, so the error is injected) is
    listed with why, never read."""
    from gip_pipeline import raw as R

    for n in ("gone.txt", "locked.txt", "kept.txt"):
        (tmp_path / n).write_text("x")
    real_open = R.InputFolder.open

    def flaky_open(self, rel):
        if rel == "gone.txt":
            raise FileNotFoundError(2, "No such file or directory")
        if rel == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(self, rel)

    monkeypatch.setattr(R.InputFolder, "open", flaky_open)
    found = {f.path: f for f in discover(tmp_path)}
    assert sorted(found) == ["kept.txt", "locked.txt"]
    assert not found["locked.txt"].readable and found["locked.txt"].sha256 is None
    assert found["locked.txt"].skip_reason == ("the file could not be opened (PermissionError: "
                                               "Permission denied); not read.")
    assert found["kept.txt"].readable


def test_file_names_are_data(tmp_path):
    names = ["$(touch pwned).txt", "a; rm -rf x.txt", "空 格 报告.md", "`x`.html"]
    for n in names:
        (tmp_path / n).write_text(n, encoding="utf-8")
    found = discover(tmp_path)
    assert sorted(f.path for f in found) == sorted(names)
    assert not (tmp_path / "pwned").exists()


def test_order_does_not_depend_on_creation_order(tmp_path):
    d1, d2 = tmp_path / "one", tmp_path / "two"
    d1.mkdir(), d2.mkdir()
    for n in ["b.txt", "a.txt", "c.txt"]:
        (d1 / n).write_text(n)
    for n in ["c.txt", "a.txt", "b.txt"]:
        (d2 / n).write_text(n)
    assert discover(d1) == discover(d2)


def test_synthetic_mark(tmp_path):
    (tmp_path / "s.txt").write_text("标题\n【合成数据 SYNTHETIC】本报告由程序生成", encoding="utf-8")
    (tmp_path / "g.html").write_bytes("【合成数据 SYNTHETIC】".encode("gbk"))
    (tmp_path / "r.txt").write_text("一份真实的报告 synthetic rubber", encoding="utf-8")
    big = tmp_path / "big.txt"  # the mark straddles the 1 MiB read boundary
    big.write_bytes(b"x" * ((1 << 20) - 4) + b"SYNTHETIC")
    assert is_synthetic(tmp_path / "s.txt") and is_synthetic(tmp_path / "g.html")
    assert not is_synthetic(tmp_path / "r.txt")
    assert is_synthetic(big)
    assert {f.path: f.synthetic for f in discover(tmp_path)} == {
        "big.txt": True, "g.html": True, "r.txt": False, "s.txt": True}


def test_guess_format_and_missing_dir(tmp_path):
    assert guess_format("x.HTM") == "html" and guess_format("x.docx") == "docx"
    assert guess_format("x.markdown") == "md" and guess_format("x") is None
    with pytest.raises(FileNotFoundError):
        discover(tmp_path / "nope")


def _bytes_name(folder, name: bytes, data: bytes) -> None:
    import os

    with open(os.path.join(os.fsencode(folder), name), "wb") as f:
        f.write(data)


def test_names_that_are_not_utf8_are_read_under_their_decoding(tmp_path, seed_path):
    """A GBK name (as unzip of a Windows archive leaves it) is read and loaded under its
    GB18030 decoding, its bytes kept; bytes no encoding takes become \\x escapes; the
    decoding never takes another file's name."""
    import duckdb

    from gip_pipeline.tidy.build import build_core_warehouse
    from gip_pipeline.assets.resources import GipPaths

    raw = tmp_path / "raw"
    raw.mkdir()
    seed = seed_path.read_bytes()
    _bytes_name(raw, "洪泽报告.txt".encode("gbk"), seed)
    _bytes_name(raw, b"bad\xff\xfe.txt", b"not a report")
    (raw / "同名.txt").write_bytes(b"a UTF-8 name")
    _bytes_name(raw, "同名.txt".encode("gbk"), b"the same name in GBK")
    files = {f.path: f for f in discover(raw)}
    assert files["洪泽报告.txt"].name_hex == "洪泽报告.txt".encode("gbk").hex()
    assert files["同名.txt"].name_hex is None
    assert files["bad\\xff\\xfe.txt"].name_hex == b"bad\xff\xfe.txt".hex()
    gbk_twin = "同名.txt".encode("gbk")
    assert files[gbk_twin.decode("utf-8", "backslashreplace")].name_hex == gbk_twin.hex()
    assert all(f.absolute(raw).read_bytes() for f in files.values())

    paths = GipPaths(data_dir=str(tmp_path), extract_workers=1)
    build_core_warehouse(paths)
    con = duckdb.connect(str(paths.published()), read_only=True)
    try:
        listed = dict(con.sql("select path, name_hex from core.report_files").fetchall())
        n_cells = con.sql("select count(*) from core.cells c join core.reports r using (report_id) "
                          "where r.source_file = '洪泽报告.txt'").fetchall()[0][0]
    finally:
        con.close()
    assert listed.keys() == files.keys() and listed["洪泽报告.txt"] == files["洪泽报告.txt"].name_hex
    assert n_cells > 100
