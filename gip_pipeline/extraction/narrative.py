"""The report's prose: sections 一 (overall situation), 五 (problems and improvements) and 六
(other matters) as text, which researchers read and search beside the numbers.

A section starts at its heading: a numeral, 、 and one of its heading phrases
(schema.NARRATIVE_SECTIONS), found in the normalized text anywhere, not only at a line start,
since crawlers glue lines together; it ends at the next section heading of the national format
(the table sections 二三四 included) or the end of the text. Numbering is not trusted
(converters renumber sections): the phrase decides. `text` is normalized (simplified
characters, pinyin annotations removed, spaces folded); `raw` is the printed paragraphs the
section was cut from.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from gip_pipeline.extraction.document import Document, Paragraph
from gip_pipeline.extraction.normalize import normalize_text
from gip_pipeline.extraction.result import NarrativeText
from gip_pipeline.metadata import schema

_NUMERAL = r"[一二三四五六七八九十]{1,2}\s*[、.．]\s*"
_PHRASES = [(s.key, h) for s in schema.NARRATIVE_SECTIONS for h in s.headings]
_PHRASES += [(None, h) for h in schema.NARRATIVE_BOUNDARIES]
_HEADING_RE = re.compile(_NUMERAL + "(?:" + "|".join(f"(?P<h{i}>{h})" for i, (_, h)
                                                     in enumerate(_PHRASES)) + ")")
# A section this short is a heading with nothing under it (or a table of contents line).
MIN_CHARS = 2


def narrative_sections(doc: Document) -> list[NarrativeText]:
    paras = [b for b in doc.blocks if isinstance(b, Paragraph)]
    texts = [normalize_text(p.text) for p in paras]
    joined, starts = "", []
    for t in texts:
        starts.append(len(joined))
        joined += t + "\n"
    marks = []
    for m in _HEADING_RE.finditer(joined):
        i = next(int(k[1:]) for k, v in m.groupdict().items() if v is not None)
        marks.append((m.start(), m.end(), _PHRASES[i][0], m.group(0)))
    out, seen = [], set()
    for n, (start, end, key, heading) in enumerate(marks):
        if key is None or key in seen:
            continue
        stop = marks[n + 1][0] if n + 1 < len(marks) else len(joined)
        text = re.sub(r"\s+", " ", joined[end:stop]).strip(" ：:")
        if len(text) < MIN_CHARS:
            continue
        seen.add(key)
        first = bisect_right(starts, start) - 1  # the paragraphs the section spans
        last = bisect_left(starts, stop) - 1
        out.append(NarrativeText(
            section=key, heading=heading.strip(), text=text,
            raw="\n".join(p.text for p in paras[first:last + 1]), page=paras[first].page))
    return sorted(out, key=lambda s: [x.key for x in schema.NARRATIVE_SECTIONS].index(s.section))
