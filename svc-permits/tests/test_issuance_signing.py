"""Permit signatures: the canonical payload, the Ed25519 development signer with key rotation, the BSrE client
against a MockTransport playing the server, and choosing a signer from the settings."""

import base64
import hashlib
import json
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import SecretStr

from siantar_permits.config import Settings
from siantar_permits.issuance.signing import (
    BsreSigner,
    DevelopmentSigner,
    Signer,
    SignerUnavailable,
    build_signer,
    canonical_payload,
    load_private_key,
    load_public_key,
    public_key_id,
)

FIELDS = {
    "number": "503/0007/SIP/DPMPTSP/2026",
    "type_code": "SIP-DOKTER",
    "holder_name": "Muñoz Sitorus",
    "valid_until": "2031-03-02",
}
SEED = bytes(range(32))


def raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class TestCanonicalPayload:
    def test_sorted_compact_utf8_json(self) -> None:
        assert canonical_payload({"b": "2", "a": "ü"}) == '{"a":"ü","b":"2"}'.encode()

    def test_is_what_a_verifier_recomputes_with_plain_json(self) -> None:
        expected = json.dumps(FIELDS, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert canonical_payload(FIELDS) == expected
        assert b" " not in canonical_payload({"a": "1", "b": "2"})

    def test_order_of_the_mapping_does_not_matter(self) -> None:
        assert canonical_payload(dict(reversed(list(FIELDS.items())))) == canonical_payload(FIELDS)

    def test_unicode_is_nfc_normalised(self) -> None:
        composed, decomposed = "Mu\u00f1oz", "Mun\u0303oz"
        assert canonical_payload({"n": decomposed}) == canonical_payload({"n": composed})

    def test_escaping_cannot_merge_fields(self) -> None:
        assert canonical_payload({"a": '1","b":"2'}) != canonical_payload({"a": "1", "b": "2"})

    def test_non_strings_are_refused(self) -> None:
        with pytest.raises(TypeError):
            canonical_payload({"amount": 1500000})  # type: ignore[dict-item]


class TestDevelopmentSigner:
    async def test_sign_and_verify(self) -> None:
        signer = DevelopmentSigner(Ed25519PrivateKey.from_private_bytes(SEED))
        payload = canonical_payload(FIELDS)
        signature = await signer.sign(payload)
        assert len(signature) == 64
        assert await signer.verify(payload, signature, signer.key_id)
        assert signer.algorithm == "Ed25519"
        assert isinstance(signer, Signer)

    def test_key_id_is_first_16_hex_of_sha256_of_the_public_key(self) -> None:
        key = Ed25519PrivateKey.from_private_bytes(SEED)
        signer = DevelopmentSigner(key)
        assert signer.key_id == hashlib.sha256(raw(key.public_key())).hexdigest()[:16]
        assert signer.key_id == public_key_id(key.public_key())
        assert signer.public_keys == {signer.key_id: base64.b64encode(raw(key.public_key())).decode()}

    async def test_tampered_payload_or_signature_fails(self) -> None:
        signer = DevelopmentSigner(Ed25519PrivateKey.from_private_bytes(SEED))
        payload = canonical_payload(FIELDS)
        signature = await signer.sign(payload)
        tampered = canonical_payload({**FIELDS, "valid_until": "2099-12-31"})
        assert not await signer.verify(tampered, signature, signer.key_id)
        flipped = bytes([signature[0] ^ 1]) + signature[1:]
        assert not await signer.verify(payload, flipped, signer.key_id)

    @pytest.mark.parametrize(
        ("signature", "key_id"),
        [
            (b"", None),
            (b"short", None),
            (b"\x00" * 65, None),
            (None, None),
            (b"\x00" * 64, "unknown0000000000"),
        ],
    )
    async def test_bad_input_is_false_never_an_exception(self, signature: object, key_id: str | None) -> None:
        signer = DevelopmentSigner(Ed25519PrivateKey.from_private_bytes(SEED))
        assert not await signer.verify(b"payload", signature, key_id or signer.key_id)  # type: ignore[arg-type]
        assert not await signer.verify("text", b"\x00" * 64, signer.key_id)  # type: ignore[arg-type]
        assert not await signer.verify(b"payload", b"\x00" * 64, None)  # type: ignore[arg-type]

    async def test_old_permits_verify_after_rotation(self) -> None:
        old = DevelopmentSigner(Ed25519PrivateKey.from_private_bytes(SEED))
        payload = canonical_payload(FIELDS)
        old_signature = await old.sign(payload)
        old_public = Ed25519PrivateKey.from_private_bytes(SEED).public_key()
        rotated = DevelopmentSigner(Ed25519PrivateKey.generate(), [old_public])
        assert rotated.key_id != old.key_id
        assert await rotated.verify(payload, old_signature, old.key_id)
        # the old key id does not lend itself to the new key, nor the reverse
        assert not await rotated.verify(payload, old_signature, rotated.key_id)
        without_history = DevelopmentSigner(Ed25519PrivateKey.generate())
        assert not await without_history.verify(payload, old_signature, old.key_id)

    @pytest.mark.parametrize("form", ["seed", "der", "pem"])
    def test_private_key_forms(self, form: str) -> None:
        key = Ed25519PrivateKey.from_private_bytes(SEED)
        pkcs8 = serialization.PrivateFormat.PKCS8
        none = serialization.NoEncryption()
        text = {
            "seed": base64.b64encode(SEED).decode(),
            "der": base64.b64encode(key.private_bytes(serialization.Encoding.DER, pkcs8, none)).decode(),
            "pem": key.private_bytes(serialization.Encoding.PEM, pkcs8, none).decode(),
        }[form]
        assert public_key_id(load_private_key(text).public_key()) == public_key_id(key.public_key())

    @pytest.mark.parametrize("form", ["raw", "der", "pem"])
    def test_public_key_forms(self, form: str) -> None:
        public = Ed25519PrivateKey.from_private_bytes(SEED).public_key()
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        text = {
            "raw": base64.b64encode(raw(public)).decode(),
            "der": base64.b64encode(public.public_bytes(serialization.Encoding.DER, spki)).decode(),
            "pem": public.public_bytes(serialization.Encoding.PEM, spki).decode(),
        }[form]
        assert public_key_id(load_public_key(text)) == public_key_id(public)

    @pytest.mark.parametrize(
        "text", ["not base64!", base64.b64encode(b"x" * 31).decode(), "", "-----BEGIN junk"]
    )
    def test_bad_keys_are_refused(self, text: str) -> None:
        with pytest.raises(ValueError, match="Ed25519"):
            load_private_key(text)
        with pytest.raises(ValueError, match="Ed25519"):
            load_public_key(text)


class FakeBsre:
    """Plays the BSrE signing endpoint: checks Basic auth, signs with its own Ed25519 key, verifies."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.requests: list[httpx.Request] = []
        self.fail_with: int | None = None
        self.answer: object = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        expected = "Basic " + base64.b64encode(b"pemko-siantar:bsre-client-secret-0123456789").decode()
        if request.headers.get("authorization") != expected:
            return httpx.Response(401, json={"error": "unauthorized"})
        if self.fail_with:
            return httpx.Response(self.fail_with, json={"error": "down"})
        if self.answer is not None:
            return httpx.Response(200, json=self.answer)
        body = json.loads(request.content)
        data = base64.b64decode(body["data"])
        if request.url.path == "/esign/sign":
            return httpx.Response(200, json={"signature": base64.b64encode(self.key.sign(data)).decode()})
        if request.url.path == "/esign/verify":
            try:
                signature = base64.b64decode(body["signature"])
                if len(signature) != 64:
                    return httpx.Response(422, json={"error": "malformed signature"})
                self.key.public_key().verify(signature, data)
            except Exception:  # noqa: BLE001 - the fake server's verdict
                return httpx.Response(200, json={"valid": False})
            return httpx.Response(200, json={"valid": True})
        return httpx.Response(404)

    def signer(self, secret: str = "bsre-client-secret-0123456789") -> BsreSigner:
        return BsreSigner(
            "https://bsre.example/esign",
            "pemko-siantar",
            secret,
            transport=httpx.MockTransport(self.handler),
        )


class TestBsreSigner:
    async def test_sign_and_verify_round_trip(self) -> None:
        server = FakeBsre()
        signer = server.signer()
        payload = canonical_payload(FIELDS)
        signature = await signer.sign(payload)
        assert await signer.verify(payload, signature, signer.key_id)
        assert not await signer.verify(canonical_payload({**FIELDS, "number": "x"}), signature, signer.key_id)
        assert signer.key_id == "bsre:pemko-siantar"
        assert signer.algorithm == "BSrE-CMS"
        sign_request = server.requests[0]
        assert sign_request.method == "POST"
        assert str(sign_request.url) == "https://bsre.example/esign/sign"
        assert json.loads(sign_request.content) == {"data": base64.b64encode(payload).decode()}
        await signer.aclose()

    async def test_unknown_key_id_or_malformed_signature_is_false(self) -> None:
        server = FakeBsre()
        signer = server.signer()
        signature = await signer.sign(b"payload")
        assert not await signer.verify(b"payload", signature, "bsre:someone-else")
        assert not await signer.verify(b"payload", b"", signer.key_id)
        assert not await signer.verify(b"payload", b"short", signer.key_id)  # the server answers 422
        assert len(server.requests) == 2  # the first two never left the process
        await signer.aclose()

    @pytest.mark.parametrize("status", [500, 502, 503, 401, 403])
    async def test_server_errors_raise_unavailable(self, status: int) -> None:
        server = FakeBsre()
        server.fail_with = status
        signer = server.signer()
        with pytest.raises(SignerUnavailable) as caught:
            await signer.sign(b"payload")
        assert caught.value.status == 503
        with pytest.raises(SignerUnavailable):
            await signer.verify(b"payload", b"\x00" * 64, signer.key_id)

    async def test_wrong_credentials_raise_unavailable(self) -> None:
        with pytest.raises(SignerUnavailable):
            await FakeBsre().signer(secret="wrong-secret-0123456789").sign(b"payload")

    @pytest.mark.parametrize(
        "answer",
        [{"signature": "not base64!"}, {"signature": ""}, {"sig": "AAAA"}, ["list"], {"valid": "yes"}],
    )
    async def test_answers_of_the_wrong_shape_raise_unavailable(self, answer: object) -> None:
        server = FakeBsre()
        server.answer = answer
        signer = server.signer()
        with pytest.raises(SignerUnavailable):
            await signer.sign(b"payload")
        if answer != {"signature": ""}:
            with pytest.raises(SignerUnavailable):
                await signer.verify(b"payload", b"\x00" * 64, signer.key_id)

    async def test_network_failure_raises_unavailable(self) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        signer = BsreSigner("https://bsre.example", "id", "secret", transport=httpx.MockTransport(refuse))
        with pytest.raises(SignerUnavailable):
            await signer.sign(b"payload")

    def test_configuration_is_checked(self) -> None:
        with pytest.raises(ValueError, match="URL"):
            BsreSigner("bsre.example", "id", "secret")
        with pytest.raises(ValueError, match="client id"):
            BsreSigner("https://bsre.example", "", "secret")


class TestBuildSigner:
    async def test_development_signer_from_the_generated_key_is_stable(self, tmp_path: Path) -> None:
        first = build_signer(Settings(_env_file=None, VAR_DIR=tmp_path))
        second = build_signer(Settings(_env_file=None, VAR_DIR=tmp_path))
        assert isinstance(first, DevelopmentSigner)
        assert first.key_id == second.key_id
        payload = canonical_payload(FIELDS)
        assert await second.verify(payload, await first.sign(payload), first.key_id)

    async def test_given_key_and_previous_public_keys(self, tmp_path: Path) -> None:
        old = Ed25519PrivateKey.generate()
        settings = Settings(
            _env_file=None,
            VAR_DIR=tmp_path,
            SIGNING_KEY=SecretStr(base64.b64encode(SEED).decode()),
            SIGNING_PREVIOUS_PUBLIC_KEYS=" , " + base64.b64encode(raw(old.public_key())).decode() + ",",
        )
        signer = build_signer(settings)
        assert signer.key_id == public_key_id(Ed25519PrivateKey.from_private_bytes(SEED).public_key())
        assert await signer.verify(b"p", old.sign(b"p"), public_key_id(old.public_key()))

    async def test_bsre_from_settings(self, tmp_path: Path) -> None:
        server = FakeBsre()
        settings = Settings(
            _env_file=None,
            VAR_DIR=tmp_path,
            SIGNER="bsre",
            BSRE_URL="https://bsre.example/esign",
            BSRE_CLIENT_ID="pemko-siantar",
            BSRE_CLIENT_SECRET=SecretStr("bsre-client-secret-0123456789"),
        )
        signer = build_signer(settings, transport=httpx.MockTransport(server.handler))
        assert isinstance(signer, BsreSigner)
        assert await signer.verify(b"p", await signer.sign(b"p"), signer.key_id)
        await signer.aclose()

    def test_bsre_needs_url_and_credentials(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="BSRE_URL must be an https"):
            Settings(_env_file=None, VAR_DIR=tmp_path, SIGNER="bsre", BSRE_URL="http://bsre.example")
        with pytest.raises(ValueError, match="BSRE_CLIENT_SECRET is required"):
            Settings(
                _env_file=None, VAR_DIR=tmp_path, SIGNER="bsre", BSRE_URL="https://b", BSRE_CLIENT_ID="x"
            )

    def test_development_signer_is_refused_in_production(self, tmp_path: Path) -> None:
        production = {
            "ENV": "production",
            "DATABASE_URL": "postgresql://permits@db/permits",
            "BANK_CALLBACK_SECRET": SecretStr("a-real-bank-secret-0123456789"),
            "ENCRYPTION_KEYS": SecretStr("k2026:" + base64.b64encode(b"k" * 32).decode()),
            "IDENTITY_CLIENT_SECRET": SecretStr("a-real-client-secret-0123456789"),
            "STORAGE_BACKEND": "s3",
            "STORAGE_S3_BUCKET": "permits",
            "STORAGE_S3_ACCESS_KEY": "permits",
            "STORAGE_S3_SECRET_KEY": SecretStr("a-real-s3-secret-0123456789"),
        }
        with pytest.raises(ValueError, match="SIGNER=development is a development adapter"):
            Settings(_env_file=None, VAR_DIR=tmp_path, **production)  # type: ignore[arg-type]
        settings = Settings(
            _env_file=None,
            VAR_DIR=tmp_path,
            SIGNER="bsre",
            BSRE_URL="https://bsre.example",
            BSRE_CLIENT_ID="pemko-siantar",
            BSRE_CLIENT_SECRET=SecretStr("bsre-client-secret-0123456789"),
            **production,  # type: ignore[arg-type]
        )
        assert isinstance(build_signer(settings), BsreSigner)
        assert not (tmp_path / "permits-dev-secrets.json").exists()  # production never makes dev secrets
        forced = settings.model_copy(update={"SIGNER": "development", "SIGNING_KEY": SecretStr("x")})
        with pytest.raises(ValueError, match="refused in production"):
            build_signer(forced)
