"""A PostgreSQL database of svc-permits with N applications (default 100,000) for bench/permits/run.py.

Migrates a fresh database, seeds the permit types, then COPYs applications spread over the local types and
states (a third issued, each with a permit whose fields are really signed with the development key given
as `--signing-key`, so the verification endpoint checks real signatures), 5 per applicant.

    .tools/bin/uv run --no-sync python bench/permits/load.py --count 100000 --database permits_bench
"""

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from siantar_permits.issuance.signing import DevelopmentSigner, canonical_payload, load_private_key
from siantar_permits.personal import key_ring

ROOT = Path(__file__).resolve().parents[2]
SERVER = "postgresql://postgres@127.0.0.1:5432"
LOCAL_TYPES = ["izin-reklame", "sip-dokter", "sip-bidan", "sip-perawat", "sipa", "izin-penelitian"]
STATES = ["submitted", "verification", "technical_review", "approval", "rejected", "withdrawn"]
PER_APPLICANT = 5
CODES = ROOT / "var" / "bench-permits-codes.json"  # verification codes and applicants for run.py


async def fresh(database: str) -> None:
    connection = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()


def migrate_and_seed(database: str) -> None:
    env = {**os.environ, "PERMITS_DATABASE_URL": f"{SERVER}/{database}", "PERMITS_LOG_LEVEL": "WARNING"}
    subprocess.run(
        ["alembic", "upgrade", "head"], cwd=ROOT / "svc-permits", env=env, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, "-m", "siantar_permits", "seed"], cwd=ROOT, env=env, check=True, capture_output=True
    )


async def load(database: str, count: int, signing_key: str) -> dict[str, object]:
    connection = await asyncpg.connect(f"{SERVER}/{database}")
    rng = random.Random(20261128)
    signer = DevelopmentSigner(load_private_key(signing_key), [])
    versions = {
        r["type_code"]: (r["id"], r["number"])
        for r in await connection.fetch("SELECT type_code, id, number FROM permit_type_version")
    }
    applicants = [uuid.uuid4() for _ in range(count // PER_APPLICANT)]
    ring = key_ring()  # personal data is sealed at rest, with the ring the service will read (same var dir)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    apps, permits, codes = [], [], []
    for n in range(count):
        code = LOCAL_TYPES[n % len(LOCAL_TYPES)]
        version_id, version = versions[code]
        app_id = uuid.uuid4()
        created = start + timedelta(seconds=n * 250)
        issued = n % 3 == 0
        state = "issued" if issued else STATES[rng.randrange(len(STATES))]
        form = {"alamat": f"Jl. Sutomo {n % 300}", "kelurahan": "1272011001", "kode_pos": "21111"}
        apps.append(
            (
                app_id,
                created,
                f"B-{n:07d}",
                code,
                version_id,
                version,
                applicants[n % len(applicants)],
                ring.encrypt("Pemohon Uji", context="application.applicant_name"),
                ring.encrypt(json.dumps(form, ensure_ascii=False), context="application.form"),
                state,
                None,
                0,
                created,
                None,
                None,
                False,
                created,
                "[]",
                created + timedelta(days=3),
                "on_time",
                1,
            )
        )
        if issued:
            number = f"503/{n:06d}/BENCH/DPMPTSP/2026"
            fields = {
                "number": number,
                "type": code,
                "holder": "Pemohon Uji",
                "issued_at": created.isoformat(),
            }
            signature = base64.b64encode(await signer.sign(canonical_payload(fields))).decode()
            verification = base64.urlsafe_b64encode(os.urandom(24)).decode()
            if len(codes) < 2000:
                codes.append(verification)
            permits.append(
                (
                    uuid.uuid4(),
                    created,
                    app_id,
                    code,
                    number,
                    created,
                    created.date(),
                    (created + timedelta(days=365)).date(),
                    f"permits/{app_id}/permit.pdf",
                    "0" * 64,
                    ring.encrypt(json.dumps(fields, ensure_ascii=False), context="permit.signed_fields"),
                    signature,
                    signer.key_id,
                    signer.algorithm,
                    hashlib.sha256(verification.encode()).hexdigest(),
                )
            )
    started = time.perf_counter()
    await connection.copy_records_to_table(
        "application",
        records=apps,
        columns=[
            "id",
            "created_at",
            "reference",
            "type_code",
            "type_version_id",
            "type_version",
            "applicant_id",
            "applicant_name",
            "form",
            "state",
            "technical_opd",
            "approval_level",
            "submitted_at",
            "decided_at",
            "rejection_reasons",
            "deemed_approved",
            "sla_started_at",
            "sla_pauses",
            "sla_due_at",
            "sla_flag",
            "version",
        ],
    )
    await connection.copy_records_to_table(
        "permit",
        records=permits,
        columns=[
            "id",
            "created_at",
            "application_id",
            "type_code",
            "number",
            "issued_at",
            "valid_from",
            "valid_until",
            "pdf_key",
            "pdf_sha256",
            "signed_fields",
            "signature",
            "signature_key_id",
            "signature_algorithm",
            "verification_hash",
        ],
    )
    await connection.execute("ANALYZE")
    await connection.close()
    CODES.parent.mkdir(parents=True, exist_ok=True)
    CODES.write_text(json.dumps({"codes": codes, "applicants": [str(a) for a in applicants[:500]]}))
    return {
        "applications": count,
        "permits": len(permits),
        "copy_seconds": round(time.perf_counter() - started, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database", default="permits_bench")
    parser.add_argument(
        "--signing-key", default=base64.b64encode(b"bench-signing-seed-32-bytes-long").decode()
    )
    args = parser.parse_args()
    await fresh(args.database)
    migrate_and_seed(args.database)
    print(json.dumps(await load(args.database, args.count, args.signing_key)))


if __name__ == "__main__":
    asyncio.run(main())
