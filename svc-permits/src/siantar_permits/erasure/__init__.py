"""Erasure: pseudonymising applications of accounts identity reports erased."""
