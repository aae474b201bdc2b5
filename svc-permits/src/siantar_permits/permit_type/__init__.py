"""Permit types as data: versioned definitions (checklist, form, approval chain, fee, SLA, number format)."""
