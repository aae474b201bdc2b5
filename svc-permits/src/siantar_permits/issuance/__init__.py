"""Issuing a permit: the signature over its essential fields (signing.py) and its PDF with a QR code (pdf.py)."""
