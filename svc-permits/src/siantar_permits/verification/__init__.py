"""The public verification page a phone opens from a permit's QR code (page.py)."""
