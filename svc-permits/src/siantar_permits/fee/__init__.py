"""Fees: assessment (SKRD) and payments (bank callback, officer-recorded with proof)."""
