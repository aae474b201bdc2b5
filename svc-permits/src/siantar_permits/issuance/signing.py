"""The signature over an issued permit's essential fields, and the signers that make and check it.

**The `Signer` protocol is asynchronous**: `await signer.sign(payload)` and `await signer.verify(payload,
signature, key_id)`, because the production signer (BSrE) is a remote call. The development signer is local
and fast (Ed25519, tens of microseconds) but keeps the same coroutine interface; callers never branch on the
signer's kind. `verify` answers False for an unknown key id or a bad signature and never raises on bad input;
only an unreachable remote signer raises `SignerUnavailable` (503), since "cannot tell" is not "invalid".

What is signed is `canonical_payload(fields)`, which a verifier recomputes from the stored fields:

    UTF-8 bytes of the JSON object of `fields`, keys sorted by Unicode code point, no whitespace at all
    (separators "," and ":"), non-ASCII characters written as themselves (not \\u escapes), every key and
    value a string, each first normalised to Unicode NFC.

    canonical_payload({"number": "503/0001/SIP/DPMPTSP/2026", "holder": "Budi"})
    == b'{"holder":"Budi","number":"503/0001/SIP/DPMPTSP/2026"}'

Signers (`build_signer(settings)` picks one by `PERMITS_SIGNER`):

- "development" (`DevelopmentSigner`): Ed25519 with the key of `PERMITS_SIGNING_KEY` (base64 of a 32-byte
  seed or of PKCS#8 DER, or PKCS#8 PEM; generated once in development). `key_id` = the first 16 hex digits of
  SHA-256 of the raw public key. Public keys of earlier keys (`PERMITS_SIGNING_PREVIOUS_PUBLIC_KEYS`) still
  verify, so permits signed before a rotation stay valid. An uncertified signature (PP 71/2019 Ps. 60):
  refused in production.
- "bsre" (`BsreSigner`): the certified signature of BSrE (Balai Sertifikasi Elektronik, BSSN) through the
  signing endpoint at `PERMITS_BSRE_URL`, authenticated with HTTP Basic (`PERMITS_BSRE_CLIENT_ID`,
  `PERMITS_BSRE_CLIENT_SECRET`). The wire shape is **our integration contract, to confirm against the API
  documentation BSrE hands over at registration** (BSrE's "API Esign Client Service" signs PDFs; a gateway
  or its detached-signature mode must expose this):
    POST <url>/sign    {"data": base64(payload)}
      -> 200 {"signature": base64(detached CMS signature), "key_id": "...", "algorithm": "..."}
    POST <url>/verify  {"data": base64(payload), "signature": base64(signature), "key_id": "..."}
      -> 200 {"valid": true|false}
  Transport errors, timeouts, 5xx, 401/403 and answers of the wrong shape raise `SignerUnavailable`; a 4xx
  from /verify about the signature itself (400, 404, 422) means "not valid".
"""

import base64
import binascii
import hashlib
import json
import logging
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from siantar_permits.config import Settings
from siantar_shared.errors import ServiceUnavailable
from siantar_shared.i18n import Text
from siantar_shared.settings import Environment

logger = logging.getLogger("siantar_permits.issuance.signing")

ED25519 = "Ed25519"
BSRE_ALGORITHM = "BSrE-CMS"
MAX_SIGNATURE_BYTES = 64 * 1024  # a CMS signature with its certificate chain fits easily


def canonical_payload(fields: Mapping[str, str]) -> bytes:
    """The bytes that are signed: see the module docstring. Raises TypeError for a non-string key or value."""
    normalised: dict[str, str] = {}
    for key, value in fields.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"canonical payload fields must be strings, not {key!r}: {type(value).__name__}")
        normalised[unicodedata.normalize("NFC", key)] = unicodedata.normalize("NFC", value)
    if len(normalised) != len(fields):
        raise ValueError("two field names are the same after Unicode NFC normalisation")
    return json.dumps(normalised, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class SignerUnavailable(ServiceUnavailable):
    """The remote signer could not be asked (network, timeout, credentials, an answer of the wrong shape)."""

    slug = "signer-unavailable"
    title = Text("Layanan tanda tangan elektronik tidak tersedia", "The e-signature service is unavailable")


@runtime_checkable
class Signer(Protocol):
    @property
    def key_id(self) -> str:
        """Names the key (or signing account) that signs now; stored beside each signature."""
        ...

    @property
    def algorithm(self) -> str: ...

    async def sign(self, payload: bytes) -> bytes: ...

    async def verify(self, payload: bytes, signature: bytes, key_id: str) -> bool: ...

    async def aclose(self) -> None:
        """Release connections (call it in the lifespan's shutdown)."""
        ...


def public_key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 of the raw 32-byte public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_private_key(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PKCS#8 PEM, or base64 of a 32-byte seed or of PKCS#8 DER."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key: object = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        else:
            data = base64.b64decode(text, validate=True)
            if len(data) == 32:
                return Ed25519PrivateKey.from_private_bytes(data)
            key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("SIGNING_KEY is not an Ed25519 key (base64 seed, PKCS#8 DER or PEM)") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("SIGNING_KEY is not an Ed25519 key")  # noqa: TRY004 - a bad setting value
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from base64 of the raw 32 bytes or of SubjectPublicKeyInfo DER, or PEM."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key: object = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            data = base64.b64decode(text, validate=True)
            if len(data) == 32:
                return Ed25519PublicKey.from_public_bytes(data)
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"not an Ed25519 public key: {text[:12]}...") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"not an Ed25519 public key: {text[:12]}...")  # noqa: TRY004 - a bad setting value
    return key


class DevelopmentSigner:
    """Ed25519 with a locally held key (see the module docstring); refused in production."""

    algorithm = ED25519

    def __init__(
        self, private_key: Ed25519PrivateKey, previous_public_keys: Iterable[Ed25519PublicKey] = ()
    ) -> None:
        self._private_key = private_key
        current = private_key.public_key()
        self._key_id = public_key_id(current)
        self._public_keys: dict[str, Ed25519PublicKey] = {
            public_key_id(key): key for key in previous_public_keys
        }
        self._public_keys[self._key_id] = current

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def public_keys(self) -> dict[str, str]:
        """key id -> base64 of the raw public key, current and previous (to publish for outside verifiers)."""
        return {
            key_id: base64.b64encode(
                key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            ).decode("ascii")
            for key_id, key in self._public_keys.items()
        }

    async def sign(self, payload: bytes) -> bytes:
        return self._private_key.sign(payload)

    async def verify(self, payload: bytes, signature: bytes, key_id: str) -> bool:
        key = self._public_keys.get(key_id) if isinstance(key_id, str) else None
        if key is None or not isinstance(payload, bytes) or not isinstance(signature, bytes):
            return False
        try:
            key.verify(signature, payload)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    async def aclose(self) -> None:
        return None


class BsreSigner:
    """BSrE's certified signature over HTTP (see the module docstring for the wire shape)."""

    algorithm = BSRE_ALGORITHM

    def __init__(
        self,
        url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the BSrE URL must be an http(s) URL")
        if not client_id or not client_secret:
            raise ValueError("the BSrE client id and secret are required")
        self._client_id = client_id
        self._client = httpx.AsyncClient(
            base_url=url.rstrip("/") + "/",
            auth=httpx.BasicAuth(client_id, client_secret),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            transport=transport,  # tests pass an httpx.MockTransport playing the BSrE server
            headers={"User-Agent": "siantar-permits", "Accept": "application/json"},
        )

    @property
    def key_id(self) -> str:
        """The signing account: BSrE checks certificates itself, so the account is what we record."""
        return f"bsre:{self._client_id}"

    async def sign(self, payload: bytes) -> bytes:
        body = await self._post("sign", {"data": _b64(payload)}, ok_statuses=())
        if body is None:  # unreachable with no ok_statuses; keeps the type narrow
            raise SignerUnavailable(_UNREACHABLE)
        try:
            signature = base64.b64decode(body["signature"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            logger.warning("BSrE sign answer without a base64 signature")
            raise SignerUnavailable(_WRONG_SHAPE) from exc
        if not signature or len(signature) > MAX_SIGNATURE_BYTES:
            raise SignerUnavailable(_WRONG_SHAPE)
        return signature

    async def verify(self, payload: bytes, signature: bytes, key_id: str) -> bool:
        if key_id != self.key_id or not isinstance(payload, bytes) or not isinstance(signature, bytes):
            return False
        if not signature or len(signature) > MAX_SIGNATURE_BYTES:
            return False
        request = {"data": _b64(payload), "signature": _b64(signature), "key_id": key_id}
        body = await self._post("verify", request, ok_statuses=(400, 404, 422))
        if body is None:  # BSrE refused the signature as malformed or unknown
            return False
        valid = body.get("valid")
        if not isinstance(valid, bool):
            raise SignerUnavailable(_WRONG_SHAPE)
        return valid

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(
        self, path: str, json_body: dict[str, str], *, ok_statuses: tuple[int, ...]
    ) -> dict[str, Any] | None:
        """POST and return the JSON object answered with 200; None for a status in `ok_statuses` (the
        service's verdict "not valid"); SignerUnavailable for anything else. Never logs the payload."""
        try:
            response = await self._client.post(path, json=json_body)
        except httpx.HTTPError as exc:
            logger.warning("BSrE %s failed: %s", path, type(exc).__name__)
            raise SignerUnavailable(_UNREACHABLE) from exc
        if response.status_code in ok_statuses:
            return None
        if response.status_code != 200:
            logger.warning("BSrE %s answered HTTP %s", path, response.status_code)
            raise SignerUnavailable(_UNREACHABLE)
        try:
            body = response.json()
        except ValueError as exc:
            raise SignerUnavailable(_WRONG_SHAPE) from exc
        if not isinstance(body, dict):
            raise SignerUnavailable(_WRONG_SHAPE)
        return body


_UNREACHABLE = Text(
    "Layanan BSrE tidak dapat dihubungi; silakan coba lagi nanti.",
    "The BSrE service could not be reached; please try again later.",
)
_WRONG_SHAPE = Text(
    "Jawaban layanan BSrE tidak sesuai format yang diharapkan.",
    "The BSrE service answered in an unexpected format.",
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def build_signer(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> Signer:
    """The signer named by `PERMITS_SIGNER`; "development" is refused in production (also by the settings)."""
    if settings.SIGNER == "development":
        if settings.ENV == Environment.production:
            raise ValueError("SIGNER=development is refused in production: use bsre")
        if settings.SIGNING_KEY is None:
            raise ValueError("SIGNING_KEY is required for the development signer")
        previous = [
            load_public_key(item) for item in settings.SIGNING_PREVIOUS_PUBLIC_KEYS.split(",") if item.strip()
        ]
        return DevelopmentSigner(load_private_key(settings.SIGNING_KEY.get_secret_value()), previous)
    if settings.SIGNER == "bsre":
        secret = settings.BSRE_CLIENT_SECRET.get_secret_value() if settings.BSRE_CLIENT_SECRET else ""
        return BsreSigner(
            settings.BSRE_URL,
            settings.BSRE_CLIENT_ID,
            secret,
            timeout=settings.BSRE_TIMEOUT_SECONDS,
            transport=transport,
        )
    raise ValueError(f"no signer named {settings.SIGNER!r} (development or bsre)")
