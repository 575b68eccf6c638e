"""readers.geometry gives pdfplumber's table geometry (merged edges, intersections, cells,
tables) without its quadratic scans: the same results on every table page of the real and
generated PDFs and of pdf_fixtures, and on random rulings (jittered, broken, merged cells,
stray strokes)."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfplumber.table import (cells_to_tables, edges_to_intersections, intersections_to_cells,
                              merge_edges)

from gip_pipeline.extraction.readers import geometry
from gip_pipeline.extraction.readers.pdf import INTERSECT, SNAP, _edge, page_edges
from gip_pipeline.synth.generate import generate
from gip_pipeline_tests import pdf_fixtures
from gip_pipeline_tests.conftest import real_file


def _same(edges: list[dict]) -> int:
    """Assert geometry == pdfplumber on these edges; the number of cells found."""
    merged = merge_edges(edges, SNAP, SNAP, SNAP, SNAP)
    assert geometry.merge_edges(edges, SNAP, SNAP, SNAP, SNAP) == merged
    ours_i = geometry.intersections(merged, INTERSECT, INTERSECT)
    theirs_i = edges_to_intersections(merged, INTERSECT, INTERSECT)
    assert set(ours_i) == set(theirs_i)
    for p in theirs_i:
        assert ours_i[p]["v"] == theirs_i[p]["v"] and ours_i[p]["h"] == theirs_i[p]["h"]
    ours_c, theirs_c = geometry.cells(ours_i), intersections_to_cells(theirs_i)
    assert ours_c == theirs_c
    ours_t, theirs_t = geometry.tables(ours_c), cells_to_tables(theirs_c)
    assert [sorted(t) for t in ours_t] == [sorted(t) for t in theirs_t]
    return len(ours_c)


def _pdf_pages(data: bytes):
    doc = pdfium.PdfDocument(data)
    try:
        for i in range(len(doc)):
            yield page_edges(doc[i])
    finally:
        doc.close()


def test_same_as_pdfplumber_on_real_and_generated_pages(tmp_path):
    pdfs = [real_file("jiangsu-huaian-hongze-2023.pdf").read_bytes(),
            pdf_fixtures.two_page_report(), pdf_fixtures.blank_cells_report(),
            pdf_fixtures.multipage_report()]
    generate(tmp_path, 12, seed=5, forms=["pdf"])
    pdfs += [p.read_bytes() for p in sorted(tmp_path.glob("*.pdf"))]
    n_cells = sum(_same(edges) for data in pdfs for edges in _pdf_pages(data))
    assert n_cells > 1000  # the comparison saw real tables


@st.composite
def rulings(draw):
    """A ruled grid with jitter, merged cells (missing inner segments), broken lines and
    stray strokes, as pdfplumber edge dicts."""
    ncols, nrows = draw(st.integers(1, 7)), draw(st.integers(1, 9))
    xs = [50.0]
    for _ in range(ncols):
        xs.append(xs[-1] + draw(st.floats(4, 120)))
    ys = [80.0]
    for _ in range(nrows):
        ys.append(ys[-1] + draw(st.floats(4, 40)))
    jitter = st.floats(-2.0, 2.0)
    edges = []
    for j, y in enumerate(ys):
        for i in range(ncols):
            if 0 < j < nrows and draw(st.integers(0, 5)) == 0:
                continue  # merged vertically: no ruling between the two rows here
            edges.append(_edge(xs[i] + draw(jitter), y + draw(jitter), xs[i + 1], y, "h"))
    for i, x in enumerate(xs):
        for j in range(nrows):
            if 0 < i < ncols and draw(st.integers(0, 5)) == 0:
                continue
            edges.append(_edge(x + draw(jitter), ys[j], x, ys[j + 1] + draw(jitter), "v"))
    for _ in range(draw(st.integers(0, 4))):  # strokes that are not the table's
        x, y, n = draw(st.floats(0, 600)), draw(st.floats(0, 800)), draw(st.floats(3, 200))
        edges.append(_edge(x, y, x + n, y, "h") if draw(st.booleans()) else
                     _edge(x, y, x, y + n, "v"))
    for e in edges:  # the helper sets width/height from the corners it is given
        e["x1"], e["bottom"] = max(e["x0"], e["x1"]), max(e["top"], e["bottom"])
        e["width"], e["height"] = e["x1"] - e["x0"], e["bottom"] - e["top"]
    return edges


@settings(max_examples=300, deadline=None)
@given(rulings())
def test_same_as_pdfplumber_on_random_rulings(edges):
    _same(edges)


def test_tables_group_by_shared_corners():
    two = [(0, 0, 1, 1), (1, 0, 2, 1), (5, 5, 6, 6), (6, 5, 7, 6), (9, 9, 10, 10)]
    assert geometry.tables(two) == [[(0, 0, 1, 1), (1, 0, 2, 1)], [(5, 5, 6, 6), (6, 5, 7, 6)]]
    assert geometry.cells({}) == [] and geometry.tables([]) == []


@pytest.mark.parametrize("n", [40, 80])
def test_large_grids_are_found_whole(n):
    """A 40x40 and an 80x80 grid (6,561 points): one table of every cell. (Each point walks
    its own row and column, not every later point; the speed is the benchmark's to show.)"""
    edges = [_edge(0, 10.0 * j, 10.0 * n, 10.0 * j, "h") for j in range(n + 1)]
    edges += [_edge(10.0 * i, 0, 10.0 * i, 10.0 * n, "v") for i in range(n + 1)]
    t = geometry.tables(geometry.cells(geometry.intersections(edges, INTERSECT, INTERSECT)))
    assert len(t) == 1 and len(t[0]) == n * n
