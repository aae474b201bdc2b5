"""Password hashing: Argon2id with m=19456 KiB, t=2, p=1 (OWASP ASVS 5.0 Appendix C), off the event loop.

Hashes carry their parameters, so raising them later only needs `needs_rehash` at the next sign-in.
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from siantar_shared.threads import run_cpu_bound

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)
# A real hash of a random password, verified when an account does not exist, so that the answer takes as long
# as for an existing account (no user enumeration by timing).
_DUMMY_HASH = HASHER.hash("dummy password to equalise timing")


async def hash_password(password: str) -> str:
    return await run_cpu_bound(HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; with no hash (no such account) it still spends the same time, then False."""
    try:
        return await run_cpu_bound(HASHER.verify, password_hash or _DUMMY_HASH, password) and bool(
            password_hash
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)
