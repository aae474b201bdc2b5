"""Routing: which OPD a complaint goes to, by category, optionally overridden per kecamatan."""
