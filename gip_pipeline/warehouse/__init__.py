"""Warehouse layer: the DuckDB file that holds the tidy tables and the dbt marts."""
