"""Metadata as code, in one package: `schema` (the report's tables, row and column keys, labels
and their variants, eras, identities, measures) and `outputs` (every output table and column:
names, docs in English and Chinese, primary keys). Label matching, dtypes, the dbt YAML, the
datapackage and the codebook all derive from here."""
