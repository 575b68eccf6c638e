"""The seed report: every cell and every metadata field of its truth, status ok."""

from gip_pipeline.extraction.parse import parse_file


def test_seed_matches_truth_exactly(seed_path, seed_truth):
    res = parse_file(seed_path)
    assert res.status == "ok", res.findings
    assert res.reason is None and res.format == "txt"
    assert [f for f in res.findings if f.severity in ("error", "warning")] == []
    truth = {(t, r, c): v for t, rows in seed_truth["cells"].items()
             for r, cols in rows.items() for c, v in cols.items()}
    got = {(c.table, c.row, c.col): c for c in res.cells}
    assert len(truth) == 200 and set(got) == set(truth)
    for k, v in truth.items():
        assert got[k].value == v, k
        assert got[k].raw.strip() != ""
        assert got[k].page is None
    # Every metadata field, including region coding (gip_pipeline.regions).
    assert res.report == seed_truth["report"]


def test_seed_sha256_and_json_round_trip(seed_path):
    import hashlib

    from gip_pipeline.extraction.result import ParseResult

    res = parse_file(seed_path)
    assert res.sha256 == hashlib.sha256(seed_path.read_bytes()).hexdigest()
    again = ParseResult.from_dict(res.to_dict())
    assert again.to_dict() == res.to_dict()
