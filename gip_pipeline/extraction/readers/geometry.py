"""Table geometry from ruling lines: the edges snapped and joined, their intersections, the
smallest cells they close, and the tables those cells form. The results are pdfplumber's
(`merge_edges`, `edges_to_intersections`, `intersections_to_cells`, `cells_to_tables` of
pdfplumber.table, whose definitions these follow, down to the order of the float arithmetic,
and which the tests compare them with), computed without their quadratic scans and object
copies: intersections by a sweep over the horizontal edges sorted by height, cells by walking
each point's own column and row, tables as the connected components of shared corners.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

Point = tuple[float, float]
BBox = tuple[float, float, float, float]


def _bbox(e: dict) -> BBox:
    return (e["x0"], e["top"], e["x1"], e["bottom"])


def _snap(edges: list[dict], attr: str, tolerance: float) -> list[dict]:
    """Edges whose `attr` lies within tolerance of the previous one's (values sorted) move to
    their cluster's mean (pdfplumber's snap_objects): clusters in order, edges in input order
    within each."""
    values = sorted(set(e[attr] for e in edges))
    cluster_of: dict[float, int] = {}
    k, last = -1, None
    for v in values:
        if last is None or v > last + tolerance:
            k += 1
        cluster_of[v] = k
        last = v
    clusters: list[list[dict]] = [[] for _ in range(k + 1)]
    for e in edges:
        clusters[cluster_of[e[attr]]].append(e)
    pair = ("x0", "x1") if attr == "x0" else ("top", "bottom")
    out = []
    for cluster in clusters:
        avg = sum(e[attr] for e in cluster) / len(cluster)
        for e in cluster:
            shift = avg - e[attr]
            out.append({**e, pair[0]: e[pair[0]] + shift, pair[1]: e[pair[1]] + shift})
    return out


def _join(group: list[dict], orientation: str, tolerance: float) -> list[dict]:
    """Edges along one line that touch or overlap within tolerance, joined (pdfplumber's
    join_edge_group)."""
    lo, hi, size = ("x0", "x1", "width") if orientation == "h" else ("top", "bottom", "height")
    edges = sorted(group, key=lambda e: e[lo])
    joined = [edges[0]]
    for e in edges[1:]:
        last = joined[-1]
        if e[lo] <= last[hi] + tolerance:
            if e[hi] > last[hi]:
                grown = {**last, hi: e[hi]}
                grown[size] = (e[hi] - last["x0"] if orientation == "h"
                               else last["height"] + (e[hi] - last["bottom"]))
                joined[-1] = grown
        else:
            joined.append(e)
    return joined


def merge_edges(edges: list[dict], snap_x: float, snap_y: float, join_x: float,
                join_y: float) -> list[dict]:
    """Rulings snapped to shared lines and joined where they touch: pdfplumber's merge_edges."""
    if snap_x > 0 or snap_y > 0:
        edges = (_snap([e for e in edges if e["orientation"] == "v"], "x0", snap_x)
                 + _snap([e for e in edges if e["orientation"] == "h"], "top", snap_y))
    groups: dict[tuple[str, float], list[dict]] = {}
    for e in sorted(edges, key=lambda e: (e["orientation"], e["top"] if e["orientation"] == "h"
                                          else e["x0"])):
        groups.setdefault((e["orientation"], e["top"] if e["orientation"] == "h" else e["x0"]),
                          []).append(e)
    out = []
    for (orientation, _), group in groups.items():
        out += _join(group, orientation, join_x if orientation == "h" else join_y)
    return out


def intersections(edges: list[dict], x_tolerance: float = 1,
                  y_tolerance: float = 1) -> dict[Point, dict[str, list[dict]]]:
    """{(x, y): {"v": [...], "h": [...]}} where a vertical and a horizontal edge meet within
    the tolerances: pdfplumber's edges_to_intersections, the same points and edge lists in the
    same order."""
    vs = sorted((e for e in edges if e["orientation"] == "v"), key=lambda e: (e["x0"], e["top"]))
    hs = sorted((e for e in edges if e["orientation"] == "h"), key=lambda e: (e["top"], e["x0"]))
    tops = [h["top"] for h in hs]
    out: dict[Point, dict[str, list[dict]]] = {}
    for v in vs:
        x = v["x0"]
        # v.top <= h.top + tol and v.bottom >= h.top - tol: h.top in [v.top - tol, v.bottom + tol]
        lo = bisect_left(tops, v["top"] - y_tolerance)
        hi = bisect_right(tops, v["bottom"] + y_tolerance)
        for h in hs[lo:hi]:
            if h["x0"] - x_tolerance <= x <= h["x1"] + x_tolerance:
                point = out.setdefault((x, h["top"]), {"v": [], "h": []})
                point["v"].append(v)
                point["h"].append(h)
    return out


def cells(inter: dict[Point, dict[str, list[dict]]]) -> list[BBox]:
    """The smallest cell whose top-left corner is each point, in point order: pdfplumber's
    intersections_to_cells. Two points connect when one edge runs through both (compared by
    bounding box, as pdfplumber does)."""
    v_sets = {p: {_bbox(e) for e in d["v"]} for p, d in inter.items()}
    h_sets = {p: {_bbox(e) for e in d["h"]} for p, d in inter.items()}

    def connects(p1: Point, p2: Point) -> bool:
        if p1[0] == p2[0] and not v_sets[p1].isdisjoint(v_sets[p2]):
            return True
        return p1[1] == p2[1] and not h_sets[p1].isdisjoint(h_sets[p2])

    points = sorted(inter)
    column: dict[float, list[Point]] = {}  # points of one x, by y
    row: dict[float, list[Point]] = {}  # points of one y, by x
    for p in points:
        column.setdefault(p[0], []).append(p)
    for p in sorted(points, key=lambda p: (p[1], p[0])):
        row.setdefault(p[1], []).append(p)
    row_xs = {y: [q[0] for q in r] for y, r in row.items()}
    out = []
    for pt in points:
        col, r = column[pt[0]], row[pt[1]]
        below = col[bisect_right(col, pt):]
        right = r[bisect_right(row_xs[pt[1]], pt[0]):]
        found = None
        for below_pt in below:
            if not connects(pt, below_pt):
                continue
            for right_pt in right:
                if not connects(pt, right_pt):
                    continue
                corner = (right_pt[0], below_pt[1])
                if corner in inter and connects(corner, right_pt) and connects(corner, below_pt):
                    found = (pt[0], pt[1], corner[0], corner[1])
                    break
            if found:
                break
        if found:
            out.append(found)
    return out


def tables(cell_boxes: list[BBox]) -> list[list[BBox]]:
    """Cells grouped into tables, cells sharing a corner in one table; tables of one cell
    dropped, top-to-bottom then left-to-right by their first corner: pdfplumber's
    cells_to_tables (each table's cells in input order)."""
    parent = list(range(len(cell_boxes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Point, int] = {}
    for i, (x0, top, x1, bottom) in enumerate(cell_boxes):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            j = owner.setdefault(corner, i)
            if j != i:
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[BBox]] = {}
    for i, c in enumerate(cell_boxes):
        groups.setdefault(find(i), []).append(c)
    out = sorted(groups.values(), key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in out if len(t) > 1]
