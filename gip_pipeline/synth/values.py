"""Plausible, heavy-tailed table values whose identities hold by construction.

Values are dicts table -> row -> col -> number. Requests are built column by
column from the balance (new + carried over = handled + carried forward) and the
handled count is split over the outcome rows, so every identity holds; the
`total` column is the sum of the six applicant columns. Planted publisher errors
(`plant_error`) change printed cells afterwards; the truth is the printed value.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from gip_pipeline.metadata.schema import (ACTIVE_DISCLOSURE_COLUMNS, OTHER_ROWS_2021, OUTCOME_ROWS,
                                 REQUEST_APPLICANT_COLUMNS, REQUEST_ORG_COLUMNS, REVIEW_LITIGATION)

Cells = dict[str, dict[str, dict[str, float | int]]]

# Typical shares of the applicant columns (natural persons dominate).
_APPLICANT_W = {"natural_person": 0.86, "commercial_enterprise": 0.08, "research_institution": 0.004,
                "social_welfare_org": 0.006, "legal_service_org": 0.03, "other_org": 0.02}
# Typical shares of the outcome rows; era 2019 folds the three other_* into other_handling.
_OUTCOME_W = {
    "granted": 0.33, "partially_granted": 0.07,
    "denied_state_secret": 0.003, "denied_prohibited_by_law": 0.01, "denied_security_stability": 0.003,
    "denied_third_party_rights": 0.02, "denied_internal_affairs": 0.02,
    "denied_process_information": 0.03, "denied_enforcement_file": 0.01,
    "denied_administrative_query": 0.03,
    "unable_not_held": 0.25, "unable_needs_creation": 0.03, "unable_unclear": 0.03,
    "not_processed_complaint": 0.03, "not_processed_repeat": 0.03, "not_processed_publication": 0.005,
    "not_processed_excessive": 0.01, "not_processed_confirmation": 0.01,
    "other_no_correction": 0.04, "other_unpaid_fee": 0.002, "other_other": 0.05,
}
_OUTCOME_W["other_handling"] = sum(_OUTCOME_W[r] for r in OTHER_ROWS_2021)
REVIEW_ROWS = tuple(r.key for r in REVIEW_LITIGATION.rows)


def lognormal_count(rng: random.Random, median: float, sigma: float = 1.1) -> int:
    if median <= 0:
        return 0
    return max(0, int(round(rng.lognormvariate(math.log(median), sigma))) - 1)


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:  # normal approximation: fast and good enough for counts
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def split(rng: random.Random, n: int, weights: dict[str, float], concentration: float = 30.0) -> dict[str, int]:
    """Split n into integer parts around the given shares (a Dirichlet draw, largest remainder)."""
    keys = list(weights)
    if n <= 0:
        return {k: 0 for k in keys}
    if n < 40:  # small counts: draw each item, so most rows stay zero as in real reports
        probs = [rng.gammavariate(concentration * weights[k], 1.0) + 1e-12 for k in keys]
        out = {k: 0 for k in keys}
        for k in rng.choices(keys, weights=probs, k=n):
            out[k] += 1
        return out
    g = [rng.gammavariate(concentration * weights[k], 1.0) + 1e-12 for k in keys]
    s = sum(g)
    raw = [n * x / s for x in g]
    fl = [int(x) for x in raw]
    rem = n - sum(fl)
    order = sorted(range(len(keys)), key=lambda i: (raw[i] - fl[i], -i), reverse=True)
    for i in order[:rem]:
        fl[i] += 1
    return dict(zip(keys, fl))


def gen_requests(rng: random.Random, scale: float, era: str,
                 carried_over: dict[str, int] | None = None) -> dict[str, dict[str, int]]:
    """The requests table for one report (era 2019 or 2021), every identity holding."""
    n_new = lognormal_count(rng, scale)
    new = split(rng, n_new, _APPLICANT_W, concentration=60.0)
    if carried_over is None:
        co_total = int(n_new * rng.uniform(0.0, 0.1))
        carried_over = split(rng, co_total, _APPLICANT_W, concentration=60.0)
    co = {c: int(carried_over.get(c, 0)) for c in REQUEST_APPLICANT_COLUMNS}
    forward_rate = rng.choice((0.0, 0.0, rng.uniform(0.0, 0.08), rng.uniform(0.02, 0.15)))
    outcome_rows = OUTCOME_ROWS[era]
    doc_w = {r: _OUTCOME_W[r] for r in outcome_rows}
    table: dict[str, dict[str, int]] = {r: {} for r in ("new_received", "carried_over") + outcome_rows
                                        + ("total_handled", "carried_forward")}
    for c in REQUEST_APPLICANT_COLUMNS:
        avail = new[c] + co[c]
        fwd = min(avail, int(round(avail * forward_rate * rng.uniform(0.5, 1.5))))
        handled = avail - fwd
        parts = split(rng, handled, doc_w, concentration=20.0)
        table["new_received"][c] = new[c]
        table["carried_over"][c] = co[c]
        for r in outcome_rows:
            table[r][c] = parts[r]
        table["total_handled"][c] = handled
        table["carried_forward"][c] = fwd
    for r, row in table.items():
        row["total"] = sum(row[c] for c in REQUEST_APPLICANT_COLUMNS)
    return table


def add_subtotal(requests: dict[str, dict[str, int]]) -> None:
    """The optional 小计 column: the five organisation columns summed, per row (as printed)."""
    for cols in requests.values():
        cols["legal_person_subtotal"] = sum(cols[c] for c in REQUEST_ORG_COLUMNS)


def merge_other_rows(requests: dict[str, dict[str, int]]) -> None:
    """A 2021 report that prints one （六）其他处理 row: the three rows become other_handling."""
    merged = {c: sum(requests[r][c] for r in OTHER_ROWS_2021) for c in requests["granted"]}
    for r in OTHER_ROWS_2021:
        del requests[r]
    # Keep printed order: other_handling sits where the three rows were.
    items = list(requests.items())
    pos = [k for k, _ in items].index("total_handled")
    items.insert(pos, ("other_handling", merged))
    requests.clear()
    requests.update(items)


def gen_review(rng: random.Random, n_requests: int) -> dict[str, dict[str, int]]:
    lam = {"reconsideration": 0.03, "litigation_direct": 0.015, "litigation_after_reconsideration": 0.005}
    out = {}
    for r in REVIEW_ROWS:
        total = poisson(rng, n_requests * lam[r] * rng.uniform(0.3, 2.0))
        parts = split(rng, total, {"upheld": 0.6, "corrected": 0.1, "other": 0.15, "pending": 0.15}, 10.0)
        out[r] = {**parts, "total": total}
    return out


@dataclass
class OrganState:
    """What carries from one year's report to the next for the same organ."""
    carried_forward: dict[str, int] | None = None
    in_force: dict[str, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)


def _dec(x: float) -> float:
    return round(x, 2)


def gen_active(rng: random.Random, era: str, organ_kind: str, admin_level: str, scale: float,
               state: OrganState) -> dict[str, dict[str, float | int]]:
    makes_rules = organ_kind == "government" and admin_level in ("province", "prefecture")
    size = scale / 25.0
    out: dict[str, dict[str, float | int]] = {}
    for row, cols in ACTIVE_DISCLOSURE_COLUMNS[era].items():
        if row in ("rules", "normative_documents"):
            issued = (poisson(rng, 3 if makes_rules else 0) if row == "rules"
                      else poisson(rng, min(40.0, 2 + 3 * math.sqrt(size))))
            repealed = poisson(rng, issued * 0.3)
            base = state.in_force.get(row)
            if base is None:
                base = issued * rng.randint(3, 15)
            stock = max(0, base + issued - repealed)
            state.in_force[row] = stock
            if era == "2021":
                out[row] = {"issued": issued, "repealed": repealed, "in_force": stock}
            else:
                published = issued if rng.random() < 0.85 else max(0, issued - rng.randint(0, 2))
                out[row] = {"newly_made": issued, "newly_published": published, "total_published": stock}
        elif row == "administrative_fees" and era == "2021":
            fee = 0.0 if rng.random() < 0.6 else _dec(rng.lognormvariate(math.log(50 * size + 1), 1.5))
            out[row] = {"fee_amount_10k_yuan": fee}
        elif row == "government_procurement":
            projects = poisson(rng, 5 * math.sqrt(size))
            amount = _dec(projects * rng.uniform(5, 300)) if projects else 0.0
            out[row] = {"procurement_projects": projects, "procurement_amount": amount}
        elif era == "2021":  # licensing, penalty, coercion decisions
            lam = {"administrative_licensing": 200, "administrative_penalty": 80,
                   "administrative_coercion": 6}[row]
            out[row] = {"decisions": 0 if rng.random() < 0.35 else lognormal_count(rng, lam * size, 1.3)}
        else:  # era 2019 item rows: prior year items, net change, decisions
            prior = state.items.get(row)
            if prior is None:
                prior = lognormal_count(rng, {"administrative_fees": 5}.get(row, 30) * math.sqrt(size), 0.8)
            change = rng.randint(-min(prior, 10), 10) if rng.random() < 0.6 else 0
            state.items[row] = prior + change
            vals: dict[str, float | int] = {"prior_year_items": prior, "net_change": change}
            if "decisions" in cols:
                lam = {"administrative_licensing": 200, "administrative_penalty": 80,
                       "administrative_coercion": 6, "other_external_services": 20}[row]
                vals["decisions"] = 0 if rng.random() < 0.35 else lognormal_count(rng, lam * size, 1.3)
            out[row] = vals
    return out


def gen_report_cells(rng: random.Random, era: str, organ_kind: str, admin_level: str, scale: float,
                     state: OrganState) -> Cells:
    """All three tables for one year; updates state for the organ's next year."""
    req = gen_requests(rng, scale, era, state.carried_forward)
    state.carried_forward = {c: req["carried_forward"][c] for c in REQUEST_APPLICANT_COLUMNS}
    return {
        "active_disclosure": gen_active(rng, era, organ_kind, admin_level, scale, state),
        "requests": req,
        "review_litigation": gen_review(rng, req["new_received"]["total"]),
    }


ERROR_KINDS = ("total_handled_misprint", "row_total_misprint", "outcome_cell_misprint",
               "review_total_zero")


def plant_error(rng: random.Random, cells: Cells) -> str:
    """Change printed cells the way publishers get them wrong; returns a note.

    The changed cells are the truth (values as printed); the caller derives the
    expected findings from the printed values.
    """
    req = cells["requests"]
    kind = rng.choice(ERROR_KINDS)
    delta = rng.choice((1, 2, 3, 5, 10, -1, -2))
    if kind == "review_total_zero":
        rows = [r for r in REVIEW_ROWS if cells["review_litigation"][r]["total"] > 0]
        if rows:
            r = rng.choice(rows)
            cells["review_litigation"][r]["total"] = 0
            return f"publisher error: review_litigation.{r}.total printed 0 against non-zero parts"
        r = rng.choice(REVIEW_ROWS)
        cells["review_litigation"][r]["total"] = 1
        return f"publisher error: review_litigation.{r}.total printed 1 against zero parts"
    if kind == "total_handled_misprint":
        row, col = "total_handled", rng.choice(("total", "natural_person"))
    elif kind == "row_total_misprint":
        row, col = rng.choice(("new_received", "granted", "unable_not_held", "total_handled")), "total"
    else:
        row, col = rng.choice(("granted", "unable_not_held", "partially_granted")), "natural_person"
    old = req[row][col]
    new = old + delta if old + delta >= 0 else old + abs(delta)
    req[row][col] = new
    return f"publisher error: requests.{row}.{col} printed {new}, parts give {old}"
