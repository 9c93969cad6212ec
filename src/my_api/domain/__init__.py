"""Entities and their rules: pure, no IO, no framework imports."""
