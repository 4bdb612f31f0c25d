"""Shared plumbing: input validation, docstring filling, atomic writes, deprecations."""
