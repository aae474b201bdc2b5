"""Siantar platform package."""
