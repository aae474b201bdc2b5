"""Payments of permit fees (retribusi): the bank's signed callback and its checks."""
