"""Readers: one per published form, each turning bytes into a Document."""
