"""Opaque secrets (refresh tokens, codes, client secrets, API keys): made by a CSPRNG, stored as hashes."""

import hashlib
import hmac
import secrets
import string


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token with `nbytes` of entropy (default 256 bits; ASVS 7.2.3 asks for 128+)."""
    return secrets.token_urlsafe(nbytes)


def new_numeric_code(digits: int = 6) -> str:
    """A one-time code of `digits` decimal digits from the CSPRNG (6 digits = ~20 bits, ASVS 6.5.4)."""
    return "".join(secrets.choice(string.digits) for _ in range(digits))


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy token: what the database keeps of refresh tokens and codes."""
    return hashlib.sha256(token.encode()).hexdigest()


def peppered_hash(secret: str, pepper: str) -> str:
    """HMAC-SHA-256 with a server-side pepper: for client secrets and API keys (high entropy, fast to check)."""
    return hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
