"""Moderation: citizens flag what should not be public; the verifier desk redacts text, hides photos and
timeline entries, and changes privacy flags, each with a reason, a timeline entry, an event, and the original
kept (encrypted) for the audit."""
