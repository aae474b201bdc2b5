"""The bank callback's HMAC signature: good, tampered, missing, malformed, stale and replayed requests."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI, Request

from siantar_permits.payment.callback import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BankSignatureInvalid,
    sign_bank_callback,
    verify_bank_signature,
)
from siantar_shared.errors import AppError, install_error_handlers

SECRET = b"bank-shared-secret-0123456789abcdef"
BODY = b'{"payment_reference":"BSU-2026-000123","billing_code":"820260000123","amount":1500000}'
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TS = str(int(NOW.timestamp()))


def verify(
    body: bytes = BODY,
    timestamp: str | None = TS,
    signature: str | None = None,
    *,
    now: datetime = NOW,
    secret: bytes = SECRET,
) -> None:
    if signature is None:
        signature = sign_bank_callback(SECRET, BODY, TS)
    verify_bank_signature(secret, body, timestamp, signature, now=now, tolerance_seconds=300)


def test_header_names() -> None:
    assert TIMESTAMP_HEADER == "X-Bank-Timestamp"
    assert SIGNATURE_HEADER == "X-Bank-Signature"


def test_signature_is_hex_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_bank_callback(SECRET, BODY, TS) == expected


def test_good_signature_passes() -> None:
    verify()


def test_upper_case_hex_and_surrounding_spaces_pass() -> None:
    verify(signature=" " + sign_bank_callback(SECRET, BODY, TS).upper() + " ")


@pytest.mark.parametrize("skew", [-300, 300])
def test_edge_of_the_window_passes(skew: int) -> None:
    verify(now=NOW + timedelta(seconds=skew))


def assert_refused(
    message: str,
    *,
    body: bytes = BODY,
    timestamp: str | None = TS,
    now: datetime = NOW,
    secret: bytes = SECRET,
) -> BankSignatureInvalid:
    with pytest.raises(BankSignatureInvalid) as caught:
        verify(body, timestamp, now=now, secret=secret)
    error = caught.value
    assert isinstance(error, AppError)
    assert error.status == 401
    assert error.title.id != error.title.en  # bilingual, both filled in
    assert error.title.id
    assert error.headers is not None
    assert "WWW-Authenticate" in error.headers
    assert message in str(error)
    return error


def test_tampered_body_is_refused() -> None:
    assert_refused("does not match", body=BODY.replace(b"1500000", b"1"))


def test_tampered_timestamp_is_refused() -> None:
    assert_refused("does not match", timestamp=str(int(TS) + 1))


def test_wrong_secret_is_refused() -> None:
    assert_refused("does not match", secret=b"another-secret-0123456789abcdef")


@pytest.mark.parametrize(
    ("timestamp", "signature"), [(None, "ab" * 32), (TS, None), ("", "ab" * 32), (TS, "")]
)
def test_missing_headers_are_refused(timestamp: str | None, signature: str | None) -> None:
    with pytest.raises(BankSignatureInvalid, match="required"):
        verify_bank_signature(SECRET, BODY, timestamp, signature, now=NOW, tolerance_seconds=300)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("1.5e9", "ab" * 32),
        ("-1772443800", "ab" * 32),
        ("١٧٧٢٤٤٣٨٠٠", "ab" * 32),  # Arabic-Indic digits: isdigit() says yes, int() would accept them
        (TS, "zz" * 32),
        (TS, "ab" * 31),
        (TS, "sha256=" + "ab" * 32),
        ("9" * 40, "ab" * 32),
    ],
)
def test_malformed_headers_are_refused(timestamp: str, signature: str) -> None:
    with pytest.raises(BankSignatureInvalid, match="must be Unix seconds"):
        verify_bank_signature(SECRET, BODY, timestamp, signature, now=NOW, tolerance_seconds=300)


@pytest.mark.parametrize("skew", [-301, 301, 86_400])
def test_stale_or_future_timestamp_is_refused_even_when_signed(skew: int) -> None:
    # a replay a day later carries a valid signature for its own (old) timestamp
    assert_refused("outside the allowed window", now=NOW + timedelta(seconds=skew))


def test_empty_secret_is_a_configuration_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="secret is empty"):
        verify(secret=b"")
    with pytest.raises(ValueError, match="secret is empty"):
        sign_bank_callback(b"", BODY, TS)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        verify(now=NOW.replace(tzinfo=None))


def test_sign_refuses_a_malformed_timestamp() -> None:
    with pytest.raises(ValueError, match="Unix seconds"):
        sign_bank_callback(SECRET, BODY, "2026-03-02T09:30:00Z")


def test_compare_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("siantar_permits.payment.callback.hmac.compare_digest", spy)
    verify()
    assert len(calls) == 1


async def test_refusal_is_a_bilingual_problem_json() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/callback")
    async def callback(request: Request) -> dict[str, str]:
        verify_bank_signature(
            SECRET,
            await request.body(),
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            now=NOW,
            tolerance_seconds=300,
        )
        return {"status": "accepted"}

    signature = sign_bank_callback(SECRET, BODY, TS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        good = await client.post(
            "/callback", content=BODY, headers={TIMESTAMP_HEADER: TS, SIGNATURE_HEADER: signature}
        )
        assert good.status_code == 200
        tampered = BODY.replace(b"1500000", b"1500001")
        for language, title in (("id", "Tanda tangan bank tidak sah"), ("en", "Bank signature is not valid")):
            response = await client.post(
                "/callback",
                content=tampered,
                headers={TIMESTAMP_HEADER: TS, SIGNATURE_HEADER: signature, "Accept-Language": language},
            )
            assert response.status_code == 401
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"].startswith("HMAC-SHA256")
            problem = response.json()
            assert problem["title"] == title
            assert problem["type"].endswith("/bank-signature-invalid")
            assert SECRET.decode() not in response.text
