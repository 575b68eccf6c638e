"""The result of parsing one file: what `gip parse FILE --json` prints.

The JSON shape is fixed by ../shared/spec/parse-output.md; other tools read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gip_pipeline.metadata.schema import META_KEYS


@dataclass
class CellValue:
    table: str
    row: str
    col: str
    value: int | float | None
    raw: str
    page: int | None = None
    # OCR'd cells only (all None for a text layer, and then absent from the JSON): the
    # least likely character's probability, the text's box in pixels of the page image,
    # and how the value was chosen: "ocr" (the recogniser's reading) or "ocr_identities"
    # (an alternative reading the table identities prove; raw keeps the first reading).
    confidence: float | None = None
    box: list[float] | None = None
    value_source: str | None = None
    # Other readings of an OCR'd number, for the identities to choose from (not output).
    alternatives: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self, narrative: bool = True) -> dict[str, Any]:
        """The result as JSON-ready data. narrative=False gives exactly the keys of
        shared/spec/parse-output.md (what `gip parse --json` prints); the cache and the worker
        hand-over keep the prose too."""
        d = {"table": self.table, "row": self.row, "col": self.col, "value": self.value,
             "raw": self.raw, "page": self.page}
        if self.value_source is not None:
            d.update(confidence=self.confidence, box=self.box, value_source=self.value_source)
        return d


@dataclass
class Finding:
    check: str
    severity: str  # error | warning | info
    table: str | None
    message: str
    # Cells ("row.col") a finding is about, where it names them for a program: an identity
    # break's terms, the blanks of blanks_as_zero.
    cells: list[str] | None = None

    def to_dict(self, narrative: bool = True) -> dict[str, Any]:
        """The result as JSON-ready data. narrative=False gives exactly the keys of
        shared/spec/parse-output.md (what `gip parse --json` prints); the cache and the worker
        hand-over keep the prose too."""
        d = {"check": self.check, "severity": self.severity, "table": self.table,
             "message": self.message}
        if self.cells is not None:  # emitted only when set: the JSON stays as it was otherwise
            d["cells"] = list(self.cells)
        return d


@dataclass
class NarrativeText:
    """One prose section of a report (extraction.narrative)."""
    section: str  # schema.NARRATIVE_SECTIONS key
    heading: str
    text: str  # normalized
    raw: str  # the printed paragraphs it was cut from
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "heading": self.heading, "text": self.text,
                "raw": self.raw, "page": self.page}


@dataclass
class LegacyValue:
    """One value of a pre-2019 report's local statistics table (extraction.legacy)."""
    seq: int  # the line's place in the table (0-based)
    label: str  # as printed (normalized), item number removed
    indicator: str | None  # schema.LEGACY_INDICATORS key, None for a line none names
    unit: str
    period: str  # schema.LEGACY_PERIODS
    value: float | None
    raw: str  # the printed value text (glued text: both values' digits)
    decoded_by: str | None  # schema.LEGACY_DECODED_BY; None when ambiguous
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ParseResult:
    file: str
    sha256: str
    format: str
    status: str = "ok"
    reason: str | None = None
    report: dict[str, Any] = field(default_factory=lambda: {k: None for k in META_KEYS})
    cells: list[CellValue] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    narrative: list[NarrativeText] = field(default_factory=list)
    # metadata key -> schema.META_SOURCES entry it was read from (not in the spec's JSON).
    sources: dict[str, str] = field(default_factory=dict)
    legacy: list[LegacyValue] = field(default_factory=list)

    def to_dict(self, narrative: bool = True) -> dict[str, Any]:
        """The result as JSON-ready data. narrative=False gives exactly the keys of
        shared/spec/parse-output.md (what `gip parse --json` prints); the cache and the worker
        hand-over keep the prose too."""
        d = {
            "file": self.file,
            "sha256": self.sha256,
            "format": self.format,
            "status": self.status,
            "reason": self.reason,
            "report": {k: self.report.get(k) for k in META_KEYS},
            "cells": [c.to_dict() for c in self.cells],
            "findings": [f.to_dict() for f in self.findings],
        }
        if narrative and self.narrative:
            d["narrative"] = [n.to_dict() for n in self.narrative]
        if narrative and self.sources:
            d["sources"] = dict(self.sources)
        if narrative and self.legacy:
            d["legacy"] = [v.to_dict() for v in self.legacy]
        return d

    def to_json(self, indent: int | None = None, narrative: bool = True) -> str:
        return json.dumps(self.to_dict(narrative), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ParseResult":
        return cls(
            file=d["file"], sha256=d["sha256"], format=d["format"], status=d["status"],
            reason=d.get("reason"), report=dict(d.get("report") or {}),
            cells=[CellValue(**c) for c in d.get("cells", [])],
            findings=[Finding(**f) for f in d.get("findings", [])],
            narrative=[NarrativeText(**n) for n in d.get("narrative", [])],
            sources=dict(d.get("sources") or {}),
            legacy=[LegacyValue(**v) for v in d.get("legacy", [])],
        )
