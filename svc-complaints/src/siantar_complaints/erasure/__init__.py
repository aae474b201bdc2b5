"""Erasure: when identity reports an account erased, its traces here are pseudonymised; the complaints stay
(the city must keep the record of its public service)."""
