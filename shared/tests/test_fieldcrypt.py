"""siantar_shared.fieldcrypt: AES-256-GCM sealing bound to a column, key rings parsed strictly, rotation."""

import base64

import pytest

from siantar_shared.fieldcrypt import DecryptionError, KeyRing, KeyRingError


def _key(byte: bytes) -> str:
    return base64.b64encode(byte * 32).decode()


def test_round_trip_hides_the_plaintext_and_varies_the_nonce() -> None:
    ring = KeyRing.parse(f"k1:{_key(b'a')}")
    first = ring.encrypt("Butet Siregar", context="application.applicant_name")
    second = ring.encrypt("Butet Siregar", context="application.applicant_name")
    assert b"Butet" not in first
    assert first != second
    assert ring.decrypt(first, context="application.applicant_name") == "Butet Siregar"
    assert ring.key_id(first) == "k1"


def test_a_ciphertext_is_bound_to_its_column() -> None:
    ring = KeyRing.parse(f"k1:{_key(b'a')}")
    blob = ring.encrypt("3172010101900001", context="account.nik")
    with pytest.raises(DecryptionError, match="authenticate"):
        ring.decrypt(blob, context="account.phone")


def test_tampering_and_unknown_formats_are_refused() -> None:
    ring = KeyRing.parse(f"k1:{_key(b'a')}")
    blob = bytearray(ring.encrypt("Jl. Merdeka 1", context="c"))
    blob[-1] ^= 1
    with pytest.raises(DecryptionError, match="authenticate"):
        ring.decrypt(bytes(blob), context="c")
    with pytest.raises(DecryptionError, match="format"):
        ring.decrypt(b"\x09\x00", context="c")
    with pytest.raises(DecryptionError, match="format"):
        ring.decrypt(b"", context="c")


def test_rotation_new_key_encrypts_old_key_still_decrypts_then_is_dropped() -> None:
    old = KeyRing.parse(f"old:{_key(b'o')}")
    sealed_before = old.encrypt("Rina", context="c")
    rotated = KeyRing.parse(f"new:{_key(b'n')}, old:{_key(b'o')}")
    assert rotated.active == "new"
    assert rotated.decrypt(sealed_before, context="c") == "Rina"
    assert rotated.key_id(rotated.encrypt("Rina", context="c")) == "new"
    only_new = KeyRing.parse(f"new:{_key(b'n')}")
    with pytest.raises(DecryptionError, match="not in the key ring"):
        only_new.decrypt(sealed_before, context="c")


@pytest.mark.parametrize(
    "spec",
    [
        "",
        " , ",
        "k1:not base64!",
        f"k1:{base64.b64encode(b'short').decode()}",
        f":{_key(b'a')}",
        f"{'x' * 33}:{_key(b'a')}",
    ],
)
def test_malformed_rings_are_refused(spec: str) -> None:
    with pytest.raises(KeyRingError):
        KeyRing.parse(spec)
