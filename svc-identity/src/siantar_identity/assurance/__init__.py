"""Levels of assurance: the NIK a citizen gives (level 1), its match by the civil registry (level 2), and the manual review of NIK conflicts."""
