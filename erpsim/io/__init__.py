"""Shipped data: the trained instances, the human and published curves, where they live."""
