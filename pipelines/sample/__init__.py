"""Synthetic Massachusetts OT practice with planted billing problems and their ground truth
(`rcm-audit sample`)."""
from .generator import generate

__all__ = ["generate"]
