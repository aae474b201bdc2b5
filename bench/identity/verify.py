"""Token verification in a service: microseconds per access token, the signing key already cached.

What a service does on every authenticated request is `TokenVerifier.verify` (header checks, key look-up by
`kid`, RS256 signature, `exp`/`iss`/`aud`, claims to a `Principal`). The key source here is in memory, as a
warm `JwksCache` is, so no HTTP is measured. For comparison it also times PyJWT's bare `jwt.decode` and the
raw RSA signature check, and PyJWT's parsing alone (`get_unverified_header`, which `TokenVerifier` runs
before `jwt.decode` parses the token again); the token is shaped like identity's (RSA 2048, same claims).

    uv run --no-sync python bench/identity/verify.py [--count 20000] [--repeat 5]
"""

import argparse
import asyncio
import statistics
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from siantar_shared.auth import TokenVerifier, VerificationKey

ISSUER = "https://api.siantar.example/identity"
AUDIENCE = "siantar"


class MemoryKeySource:
    """A `KeySource` holding one key: what a `JwksCache` is once it has fetched the JWKS."""

    def __init__(self, kid: str, key: Any) -> None:
        self.keys = {kid: VerificationKey(key, frozenset({"RS256"}))}

    async def verification_key(self, kid: str) -> VerificationKey:
        return self.keys[kid]


def make_token(private: rsa.RSAPrivateKey) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "client_id": "siantar-warga",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "scope": "complaints:read complaints:write",
        "roles": ["citizen"],
        "acr": "1",
        "amr": ["pwd"],
        "auth_time": now,
        "sid": str(uuid.uuid4()),
    }
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": "siantar-1", "typ": "at+jwt"})


async def time_verifier(verifier: TokenVerifier, token: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        await verifier.verify(token)
    return (time.perf_counter() - started) / count * 1e6


def time_pyjwt(token: str, public: rsa.RSAPublicKey, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        jwt.decode(token, public, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER)
    return (time.perf_counter() - started) / count * 1e6


def time_header(token: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        jwt.get_unverified_header(token)
    return (time.perf_counter() - started) / count * 1e6


def time_signature(token: str, public: rsa.RSAPublicKey, count: int) -> float:
    signing_input, _, signature = token.rpartition(".")
    raw = jwt.utils.base64url_decode(signature)
    started = time.perf_counter()
    for _ in range(count):
        public.verify(raw, signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return (time.perf_counter() - started) / count * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="verifications per round (max 200000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds; the median is reported (max 20)")
    args = parser.parse_args()
    count, repeat = min(args.count, 200_000), min(args.repeat, 20)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key()
    token = make_token(private)
    # first sight of a token (cache off) and the same token again (the usual case: one token per client
    # for its ten-minute life)
    uncached = TokenVerifier(
        MemoryKeySource("siantar-1", public), issuer=ISSUER, audience=AUDIENCE, cache_size=0
    )
    cached = TokenVerifier(MemoryKeySource("siantar-1", public), issuer=ISSUER, audience=AUDIENCE)
    await uncached.verify(token)  # warm up
    await cached.verify(token)
    rows = {
        "TokenVerifier.verify, first sight": [
            await time_verifier(uncached, token, count) for _ in range(repeat)
        ],
        "TokenVerifier.verify, token seen before": [
            await time_verifier(cached, token, count) for _ in range(repeat)
        ],
        "jwt.decode (PyJWT alone)": [time_pyjwt(token, public, count) for _ in range(repeat)],
        "jwt.get_unverified_header (parse only)": [time_header(token, count) for _ in range(repeat)],
        "RSA PKCS#1 v1.5 verify (signature only)": [
            time_signature(token, public, count) for _ in range(repeat)
        ],
    }
    print(f"token: RS256, RSA 2048, {len(token)} bytes; {count} verifications x {repeat} rounds")
    for name, values in rows.items():
        print(
            f"{name:42s} median {statistics.median(values):6.1f} us  (min {min(values):6.1f}, max {max(values):6.1f})"
        )


if __name__ == "__main__":
    asyncio.run(main())
