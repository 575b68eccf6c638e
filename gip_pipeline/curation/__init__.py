"""Curation: what people add to the extracted data and every run applies again: the organ
registry (organs) and the corrections researchers record (corrections)."""

CURATION_TABLES: tuple[str, ...] = ("organs", "corrections")


def curation_schema(name: str):
    from gip_pipeline.curation.corrections import CORRECTIONS_SCHEMA
    from gip_pipeline.curation.organs import ORGANS_SCHEMA

    return {"organs": ORGANS_SCHEMA, "corrections": CORRECTIONS_SCHEMA}[name]
