"""svc-identity seen from here, over HTTP only: its OPD master list (cached)."""
