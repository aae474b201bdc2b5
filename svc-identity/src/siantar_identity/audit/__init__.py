"""Append-only audit records: sign-ins, failures, revocations, role changes, personal-data reads."""
