"""Recovery codes: ten single-use codes shown once, stored as peppered HMACs (never in clear).

A code is 12 characters from a 31-letter alphabet without look-alikes (no 0/o, 1/l/i), about 59 bits,
written `xxxx-xxxx-xxxx`; case, spaces and dashes are ignored when one is typed back.
"""

import secrets

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 12
GROUP = 4
COUNT = 10


def new_codes(count: int = COUNT) -> list[str]:
    """`count` fresh codes from the CSPRNG, formatted for display."""
    return [_format("".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))) for _ in range(count)]


def normalise(code: str) -> str | None:
    """The canonical form of a typed code, or None if it cannot be one (so it is never looked up)."""
    compact = "".join(code.split()).replace("-", "").lower()
    if len(compact) != CODE_LENGTH or any(char not in ALPHABET for char in compact):
        return None
    return compact


def _format(compact: str) -> str:
    return "-".join(compact[i : i + GROUP] for i in range(0, len(compact), GROUP))
