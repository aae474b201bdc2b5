"""Cryptography of svc-identity: field encryption, keyed hashes, passwords, opaque secrets, TOTP."""
