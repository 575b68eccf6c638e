"""Extraction: report files in, recognised cells, metadata and findings out."""
