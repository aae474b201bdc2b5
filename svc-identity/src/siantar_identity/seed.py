"""The seed of svc-identity: `python -m siantar_identity seed` (`make run` runs it).

- In every environment: the OPD master list (`agency/opd.csv`). Missing codes are added; rows already there,
  perhaps edited by an admin, are never touched. That is master data, not demo data.
- In development only: demo accounts and API clients with random passwords and secrets, listed in
  `var/demo-credentials.json` (owner-only): an admin; a verifier at DISKOMINFO (the complaints desk); an
  officer and a supervisor for each of DLH, PUTR and DPMPTSP, staff with confirmed TOTP secrets; two
  citizens (active, phone verified, one with a NIK at assurance level 2, method "seed"); the city's
  first-party citizen app and staff console (public clients); an Open311 client with an API key; and the
  service clients of svc-complaints and svc-permits. In production the demo part is refused: nothing is
  created and no file is written.

Idempotent: a second run keeps the same accounts, passwords and secrets, reading the file for what it made.
It never creates a second account; if the file lost an entry whose account still exists, that account's
password, TOTP secret or client secret is issued anew (and logged) so that the file works again.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.agency import service as agency_service
from siantar_identity.client import apikeys
from siantar_identity.client import repository as client_repository
from siantar_identity.client import service as client_service
from siantar_identity.client.models import ApiClient, ClientKind, ClientProfile
from siantar_identity.client.schemas import ApiClientCreate
from siantar_identity.clock import SystemClock
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.mfa.service import TOTP_CONTEXT
from siantar_identity.security.context import Crypto
from siantar_identity.security.fieldcrypt import candidates
from siantar_identity.security.passwords import hash_password
from siantar_identity.security.secrets import new_token
from siantar_identity.staff.actor import Actor
from siantar_shared.db import make_engine, make_sessionmaker
from siantar_shared.demo import read_demo_credentials, write_demo_credentials

logger = logging.getLogger("siantar_identity.seed")
Entry = dict[str, Any]
SYSTEM = Actor.system()


class DemoDataRefused(RuntimeError):
    """Demo accounts are a development feature: production creates no default account."""


@dataclass(frozen=True)
class Person:
    username: str  # a staff username, or a citizen's phone number (E.164)
    full_name: str
    roles: tuple[str, ...]
    agency: str | None = None
    nik: str | None = None  # citizens: a NIK verified at level 2 (method "seed")


@dataclass(frozen=True)
class Client:
    data: ApiClientCreate
    api_key: bool = False


STAFF = [
    Person("admin", "Admin Demo", ("admin",)),
    Person("verifier", "Meja Pengaduan Demo", ("verifier",), "DISKOMINFO"),
    *(
        Person(f"{opd.lower()}.{role}", f"{title} {opd} Demo", (role,), opd)
        for opd in ("DLH", "PUTR", "DPMPTSP")
        for role, title in (("officer", "Petugas"), ("supervisor", "Kepala"))
    ),
]
CITIZENS = [
    Person("+6281200000101", "Warga Demo Satu", ("citizen",)),
    Person("+6281200000102", "Warga Demo Dua", ("citizen",), nik="1272034512850007"),
]
_CITY = {"owner": "Diskominfo Kota Pematangsiantar", "contact": "platform@pematangsiantar.go.id"}
_SERVICE_SCOPES = ["notify:send", "guests:write", "api-keys:check", "events:read", "identity:read"]
_USER_SCOPES = ["openid", "profile", "complaints:read", "complaints:write", "permits:read", "permits:write"]


def _client(
    client_id: str, name: str, kind: ClientKind, profile: ClientProfile, **fields: Any
) -> ApiClientCreate:
    return ApiClientCreate(client_id=client_id, name=name, kind=kind, profile=profile, **{**_CITY, **fields})


CLIENTS = [
    Client(
        _client(
            "siantar-citizen-app",
            "Siantar Warga (aplikasi resmi)",
            ClientKind.public,
            ClientProfile.citizen_app,
            first_party=True,
            grant_types=["password", "refresh_token", "authorization_code"],
            redirect_uris=[
                "id.go.pematangsiantar.warga:/oauth/callback",
                "http://127.0.0.1:8000/oauth/callback",
            ],
            scopes=[*_USER_SCOPES, "offline_access", "open311:write"],
        )
    ),
    Client(
        _client(
            "siantar-staff-console",
            "Konsol Petugas Siantar",
            ClientKind.public,
            ClientProfile.staff_app,
            first_party=True,
            grant_types=["password", "refresh_token"],
            scopes=_USER_SCOPES,
        )
    ),
    Client(
        _client(
            "open311-demo",
            "Open311 demo client",
            ClientKind.confidential,
            ClientProfile.third_party,
            grant_types=["client_credentials"],
            scopes=["open311:write", "complaints:write"],
        ),
        api_key=True,
    ),
    *(
        Client(
            _client(
                name,
                name,
                ClientKind.confidential,
                ClientProfile.service,
                grant_types=["client_credentials"],
                scopes=_SERVICE_SCOPES,
            )
        )
        for name in ("svc-complaints", "svc-permits")
    ),
]


@dataclass
class Previous:
    """What an earlier run wrote to the file, by username and by client id."""

    accounts: dict[str, Entry] = field(default_factory=dict)
    clients: dict[str, Entry] = field(default_factory=dict)
    others: tuple[list[Entry], list[Entry]] = field(default_factory=lambda: ([], []))


def _previous(settings: Settings) -> Previous:
    stored = read_demo_credentials(settings)
    ours = {person.username for person in (*STAFF, *CITIZENS)}
    client_ids = {client.data.client_id for client in CLIENTS}
    previous = Previous()
    for entry in stored["accounts"]:
        if entry.get("username") in ours:
            previous.accounts[entry["username"]] = entry
        else:
            previous.others[0].append(entry)
    for entry in stored["api_clients"]:
        if entry.get("client_id") in client_ids:
            previous.clients[entry["client_id"]] = entry
        else:
            previous.others[1].append(entry)
    return previous


async def seed(settings: Settings) -> None:
    """The OPD list everywhere; the demo data in development only."""
    engine = make_engine(settings.DATABASE_URL, app_name=f"{settings.ENV}.identity.seed")
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as session, session.begin():
            added = await agency_service.seed(session)
        logger.info("OPD master list: %d agencies added", len(added))
        if settings.is_production:
            logger.warning("production: demo accounts and clients are refused; none was created")
            return
        async with sessions() as session, session.begin():
            accounts, clients = await seed_demo(
                session, settings, Crypto.from_settings(settings), at=SystemClock().now()
            )
        logger.info("demo data: %d accounts, %d API clients", len(accounts), len(clients))
    finally:
        await engine.dispose()


async def seed_demo(
    session: AsyncSession, settings: Settings, crypto: Crypto, *, at: datetime
) -> tuple[list[Entry], list[Entry]]:
    """Create what is missing, write the file (before the caller commits), return its two lists."""
    if settings.is_production:
        raise DemoDataRefused("demo accounts are refused in production")
    previous = _previous(settings)
    accounts = [
        await _staff(session, crypto, person, previous.accounts.get(person.username), at) for person in STAFF
    ]
    accounts += [await _citizen(session, crypto, p, previous.accounts.get(p.username), at) for p in CITIZENS]
    clients = [
        await _api_client(session, crypto, c, previous.clients.get(c.data.client_id or ""), at)
        for c in CLIENTS
    ]
    others_accounts, others_clients = previous.others
    path = write_demo_credentials(
        settings, accounts=accounts + others_accounts, api_clients=clients + others_clients
    )
    logger.info("demo credentials written to %s", path.name)
    return accounts, clients


def _usable(entry: Entry | None, *keys: str) -> bool:
    return entry is not None and all(isinstance(entry.get(key), str) and entry[key] for key in keys)


async def _staff(
    session: AsyncSession, crypto: Crypto, person: Person, entry: Entry | None, at: datetime
) -> Entry:
    account = (
        await session.scalars(select(Account).where(Account.username == person.username))
    ).one_or_none()
    known = _usable(entry, "password", "totp_secret")
    password = entry["password"] if entry is not None and known else new_token(18)
    secret = entry["totp_secret"] if entry is not None and known else totp.new_secret()
    if account is None:
        account = Account(
            kind=AccountKind.staff,
            status=AccountStatus.active,
            full_name=person.full_name,
            username=person.username,
            roles=list(person.roles),
            agency_code=person.agency,
            email_ciphertext=crypto.ring.encrypt(
                f"{person.username}@demo.siantar.test", context=contacts.EMAIL_CONTEXT
            ),
            email_masked=contacts.mask_email(f"{person.username}@demo.siantar.test"),
        )
        await _credentials(session, crypto, account, password, secret, at)
        await SYSTEM.audit(session, "seed.account_created", subject_id=account.id, roles=list(person.roles))
    elif not known:
        logger.warning(
            "demo account %s existed without file entry: new password and TOTP secret", person.username
        )
        await _credentials(session, crypto, account, password, secret, at)
        await SYSTEM.audit(session, "seed.credentials_reissued", subject_id=account.id)
    return {
        "username": person.username,
        "password": password,
        "roles": sorted(account.roles),
        "agency": account.agency_code,
        "totp_secret": secret,
    }


async def _credentials(
    session: AsyncSession, crypto: Crypto, account: Account, password: str, secret: str | None, at: datetime
) -> None:
    account.password_hash = await hash_password(password)
    account.password_changed_at = at
    if secret is not None:
        account.totp_secret_ciphertext = crypto.ring.encrypt(secret, context=TOTP_CONTEXT)
        account.totp_confirmed_at = at
        account.totp_last_step = None
    session.add(account)
    await session.flush()


async def _citizen(
    session: AsyncSession, crypto: Crypto, person: Person, entry: Entry | None, at: datetime
) -> Entry:
    index = contacts.phone_index(crypto, person.username)
    account = (
        await session.scalars(select(Account).where(Account.phone_index.in_(candidates(index))))
    ).one_or_none()
    known = _usable(entry, "password")
    password = entry["password"] if entry is not None and known else new_token(18)
    if account is None:
        account = Account(
            kind=AccountKind.citizen,
            status=AccountStatus.active,
            full_name=person.full_name,
            roles=list(person.roles),
            phone_verified_at=at,
        )
        contacts.set_phone(account, crypto, person.username)
        if person.nik is not None and not await _nik_taken(session, crypto, person.nik):
            contacts.set_nik(account, crypto, person.nik)
            account.assurance_level, account.assurance_method = 2, "seed"
            account.assurance_verifier, account.assurance_at = "seed", at
        await _credentials(session, crypto, account, password, None, at)
        await SYSTEM.audit(session, "seed.account_created", subject_id=account.id, roles=list(person.roles))
    elif not known:
        logger.warning("a demo citizen existed without file entry: new password issued")
        await _credentials(session, crypto, account, password, None, at)
        await SYSTEM.audit(session, "seed.credentials_reissued", subject_id=account.id)
    return {
        "username": person.username,
        "password": password,
        "roles": sorted(account.roles),
        "agency": None,
        "totp_secret": None,
    }


async def _nik_taken(session: AsyncSession, crypto: Crypto, nik: str) -> bool:
    statement = select(Account.id).where(Account.nik_index.in_(candidates(contacts.nik_index(crypto, nik))))
    return (await session.scalar(statement)) is not None


async def _api_client(
    session: AsyncSession, crypto: Crypto, spec: Client, entry: Entry | None, at: datetime
) -> Entry:
    data = spec.data
    confidential = data.kind == ClientKind.confidential
    client = await client_repository.get_by_client_id(session, data.client_id or "")
    secret: str | None = (
        entry["client_secret"] if entry is not None and _usable(entry, "client_secret") else None
    )
    if client is None:
        client, secret = await client_service.create(session, crypto, data, by=SYSTEM, secret=secret)
    elif confidential and secret is None and client.revoked_at is None:
        logger.warning("demo client %s existed without file entry: new secret", client.client_id)
        secret = await client_service.rotate_secret(session, crypto, client, by=SYSTEM, at=at)
    api_key = (
        await _api_key(session, crypto, client, entry) if spec.api_key and client.revoked_at is None else None
    )
    return {
        "client_id": client.client_id,
        "client_secret": secret if confidential else None,
        "api_key": api_key,
        "scopes": list(client.scopes),
        "first_party": client.first_party,
    }


async def _api_key(session: AsyncSession, crypto: Crypto, client: ApiClient, entry: Entry | None) -> str:
    """The key the file lists if it still exists (or could be stored again), else a new one."""
    known = str(entry["api_key"]) if entry is not None and _usable(entry, "api_key") else None
    match = apikeys.KEY.fullmatch(known) if known is not None else None
    if known is not None and match is not None:
        stored = await client_repository.get_key(session, client, match.group(1))
        if stored is not None and stored.key_hash == crypto.secret_hash(known) and stored.revoked_at is None:
            return known
        if stored is None:
            return (await apikeys.create(session, crypto, client, by=SYSTEM, key=known))[1]
    return (await apikeys.create(session, crypto, client, by=SYSTEM))[1]
