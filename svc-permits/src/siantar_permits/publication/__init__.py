"""Open data: issued building and billboard permits as BLDS v1.2 (never permits held by persons)."""
