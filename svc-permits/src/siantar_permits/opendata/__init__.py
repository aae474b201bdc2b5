"""Open data: issued building and billboard permits in the BLDS format (blds.py)."""
