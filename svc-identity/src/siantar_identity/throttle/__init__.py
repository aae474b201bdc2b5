"""Brute-force defence: growing waits per account and per client IP, never a permanent lockout."""
