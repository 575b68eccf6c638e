"""A folder of bad (and tricky but good) inputs, built in code: name -> (bytes, expectation).

Expectation: "rejected" (with a reason), "read" (not rejected: status ok or warning),
"rejected_or_warning", "duplicate" (the same report in another form, read), or "not_read"
(listed as rejected with its reason, never parsed: hidden files and folders).

File names hold spaces, Chinese, quotes, shell metacharacters, `..`, a leading dash, a
backslash and a newline: they must stay data (never a path to follow or a command to run).
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

def _pdf(text_lines: list[str] | None, encrypt: str | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt, invariant=1)
    if text_lines is None:
        c.rect(100, 100, 300, 300, fill=1)  # ink but no text layer (a scan looks like this)
    else:
        for i, line in enumerate(text_lines):
            c.drawString(72, 800 - 14 * i, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def _docx_zip(document_xml: bytes, compress=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
                   'ContentType="application/xml"/></Types>')
        z.writestr("word/document.xml", document_xml)
    return buf.getvalue()


def _synth(form: str, seed: int) -> bytes:
    """One generated report in `form` (the same organ, year and numbers for the same seed)."""
    import tempfile

    from gip_pipeline.synth.generate import generate

    with tempfile.TemporaryDirectory() as d:
        out = generate(Path(d), n=1, seed=seed, forms=(form,), eras=("2021",))
        return (Path(d) / out["manifest"]["files"][0]["file"]).read_bytes()


def _big5(page: str, declared: str) -> bytes:
    """Big5 holds traditional characters: the page converted to them first (as Taiwan or
    Hong Kong mirrors would print it), then encoded."""
    import opencc

    trad = opencc.OpenCC("s2t").convert(page)
    return trad.replace(f"charset={declared}", "charset=big5").encode("big5", "replace")


def build(folder: Path, seed_text: str) -> dict[str, str]:
    """Write the inputs into `folder`; return name -> expectation."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    seed_html = _synth("html", 11)
    page = seed_html.decode("utf-8")
    if not re.search(r"charset=[\w-]+", page):  # a content fragment: give it a head
        page = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=utf-8'>"
                f"</head><body>{page}</body></html>")
    declared = re.search(r"charset=([\w-]+)", page).group(1)

    def encoded(codec: str, extra: str = "") -> bytes:
        """The same generated page re-encoded (and re-declared) in another charset."""
        return page.replace(f"charset={declared}", f"charset={codec}").replace(
            "</body>", extra + "</body>").encode(codec)
    docx_text = _synth("docx", 12)
    cases: dict[str, tuple[bytes, str]] = {
        "empty.txt": (b"", "rejected"),
        "junk named.pdf": (bytes(rng.randrange(256) for _ in range(4000)), "rejected"),
        "truncated.pdf": (_pdf(["2023 annual report"])[:700], "rejected"),
        "encrypted.pdf": (_pdf(["secret"], encrypt="pw"), "rejected"),
        "scan without text.pdf": (_pdf(None), "rejected"),
        # A cut-off page may still hold the first table: rejected, or read with a warning.
        "truncated.html": (seed_html[: len(seed_html) // 3], "rejected_or_warning"),
        "malformed.html": (b"<html><body><table><tr><td>\xff\xfe<<<>>></td><tr><td", "rejected"),
        "gbk page.html": (encoded("gbk"), "read"),
        "gb18030 page.html": (encoded("gb18030", "<p>㐀𠀀</p>"), "read"),  # beyond GBK
        "big5 page.html": (_big5(page, declared), "read"),
        "utf16 bom page.html": (encoded("utf-16"), "read"),
        "corrupt zip.docx": (docx_text[: len(docx_text) // 2], "rejected"),
        "zip bomb.docx": (_docx_zip(b"<w:document xmlns:w='x'><w:body>" + b" " * (300 * 2 ** 20)
                                    + b"</w:body></w:document>"), "rejected"),
        "xml bomb.docx": (_docx_zip(
            b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10)
                       for i in range(9))
            + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
              b'main"><w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p></w:body></w:document>'),
            "rejected"),
        "not a gip report.txt": ("关于召开2023年度安全生产工作会议的通知\n各单位：定于下周一召开会议。"
                                 .encode("utf-8"), "rejected"),
        "seed.txt": (seed_text.encode("utf-8"), "read"),
        "报告 (copy) $(rm -rf x); 'q' \"d\" `id` a..b.txt": (seed_text.encode("utf-8"), "read"),
        "same report.html": (seed_html, "read"),
        "same report.docx": (_synth("docx", 11), "duplicate"),
        "notes.json": (b"{}", "rejected"),
        # A README is read like any other file: not a GIP report, so rejected (not skipped).
        "README.md": ("# 说明\n本文件夹存放下载的年度报告。\n".encode("utf-8"), "rejected"),
        # Hidden: never parsed (even a copy of a good report), listed as rejected with why.
        "..seed.txt": (seed_text.encode("utf-8"), "not_read"),
        ".DS_Store": (b"\x00\x00\x00\x01Bud1" + bytes(64), "not_read"),
        "..\\..\\x.txt": (seed_text.encode("utf-8"), "not_read"),
        ".hidden dir/报告.txt": (seed_text.encode("utf-8"), "not_read"),
        # Names as data: a subfolder named like a climb, a dash, $(...), ;, quotes, a newline.
        "sub ..子目录/-rf 报告 $(touch pwned); echo 'x' \"y\".txt": (b"not a report", "rejected"),
        "a..b/x..\\y; rm -rf ~.html": (b"<p>not a report</p>", "rejected"),
        "new\nline 报告.txt": ("换行的文件名，不是报告。".encode("utf-8"), "rejected"),
    }
    for name, (data, _) in cases.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    with open(folder / "huge.pdf", "wb") as f:  # sparse: 51 MB of zeros, costs no disk
        f.truncate(51 * 2 ** 20)
    expected = {n: e for n, (_, e) in cases.items()}
    expected["huge.pdf"] = "rejected"
    return expected
