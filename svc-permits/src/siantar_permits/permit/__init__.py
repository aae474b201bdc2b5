"""Issued permits: number, validity, signed PDF, public verification."""
