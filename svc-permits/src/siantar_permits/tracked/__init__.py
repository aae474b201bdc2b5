"""Tracked permit types (PBG, SLF in SIMBG; OSS licences): external references and status intake."""
