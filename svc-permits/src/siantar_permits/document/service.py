"""Uploading a document for a requirement: the type is sniffed from the bytes (never the client's claim),
checked against the requirement's allowed types and size limit, hashed (SHA-256) and stored; a re-upload
adds a version. Inspection photos and payment proofs are uploaded under the codes `inspection_photo` and
`payment_proof` by staff. A file is stored before its row is written, and deleted again if the request does not
commit (`sweep-document-files` deletes what a crash in between leaves)."""

from functools import partial
from uuid import uuid4

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application import access
from siantar_permits.application.exceptions import ApplicationInvalid
from siantar_permits.application.models import Application
from siantar_permits.application.service import definition_of
from siantar_permits.application.states import State
from siantar_permits.application.workflow import must, record, require_state
from siantar_permits.audit import Actor
from siantar_permits.auth import is_licensing_staff, is_technical_staff
from siantar_permits.document.models import ApplicationDocument
from siantar_permits.permit_type.schemas import DocumentKind
from siantar_shared.auth import Principal
from siantar_shared.db import on_rollback
from siantar_shared.errors import AppError
from siantar_shared.i18n import Text
from siantar_shared.storage import Storage

STAFF_DOCUMENTS = {
    "inspection_photo": ({DocumentKind.jpeg, DocumentKind.png}, 10 * 1024 * 1024),
    "payment_proof": ({DocumentKind.pdf, DocumentKind.jpeg, DocumentKind.png}, 5 * 1024 * 1024),
}
KEY_PREFIX = (
    "applications/"  # every document file: applications/<application id>/<requirement>-v<n>-<id>.<ext>
)
MEDIA_TYPES = {
    DocumentKind.pdf: "application/pdf",
    DocumentKind.jpeg: "image/jpeg",
    DocumentKind.png: "image/png",
}


class UnsupportedDocument(AppError):
    status, slug = 415, "unsupported-document"
    title = Text("Jenis berkas tidak diterima", "File type not accepted")


class DocumentTooLarge(AppError):
    status, slug = 413, "document-too-large"
    title = Text("Berkas terlalu besar", "File too large")


def sniff(data: bytes) -> DocumentKind | None:
    """The kind of file by its first bytes (magic numbers): PDF, JPEG or PNG; None for anything else."""
    if data.startswith(b"%PDF-"):
        return DocumentKind.pdf
    if data.startswith(b"\xff\xd8\xff"):
        return DocumentKind.jpeg
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocumentKind.png
    return None


async def upload(
    session: AsyncSession,
    storage: Storage,
    app: Application,
    requirement: str,
    data: bytes,
    principal: Principal,
) -> ApplicationDocument:
    definition = await definition_of(session, app)
    if requirement in STAFF_DOCUMENTS:
        must(
            is_licensing_staff(principal) or is_technical_staff(principal, app.technical_opd),
            "Hanya petugas yang dapat mengunggah berkas ini",
            "Only staff may upload this file",
        )
        allowed, limit = STAFF_DOCUMENTS[requirement]
    else:
        must(
            access.is_applicant(principal, app),
            "Hanya pemohon yang dapat mengunggah persyaratan",
            "Only the applicant may upload requirements",
        )
        require_state(app, State.draft, State.returned)
        spec = definition.requirement(requirement)
        if spec is None:
            raise ApplicationInvalid(
                Text(f"Tidak ada persyaratan {requirement}", f"No requirement {requirement}")
            )
        allowed, limit = set(spec.allowed_types), spec.max_bytes
    if len(data) > limit:
        raise DocumentTooLarge(Text(f"Batas {limit} bita", f"The limit is {limit} bytes"))
    kind = sniff(data)
    if kind is None or kind not in allowed:
        names = ", ".join(sorted(k.value for k in allowed))
        raise UnsupportedDocument(
            Text(f"Berkas harus berjenis: {names}", f"The file must be one of: {names}")
        )
    # two uploads of one requirement at once (a double tap, two devices) take turns on the application's row:
    # each gets its own version, and neither fails on the (application, requirement, version) constraint
    await session.execute(select(Application.id).where(Application.id == app.id).with_for_update())
    latest = await session.scalar(
        select(func.max(ApplicationDocument.version)).where(
            ApplicationDocument.application_id == app.id, ApplicationDocument.requirement_code == requirement
        )
    )
    version = (latest or 0) + 1
    document_id = uuid4()
    # the document's own id in the key: no upload ever writes over another's file
    key = f"{KEY_PREFIX}{app.id}/{requirement}-v{version}-{document_id}.{kind.value}"
    on_rollback(session, partial(storage.delete, key))  # no file without its row
    stored = await storage.put(key, data, MEDIA_TYPES[kind])
    document = ApplicationDocument(
        id=document_id,
        application_id=app.id,
        requirement_code=requirement,
        version=version,
        content_type=MEDIA_TYPES[kind],
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        uploaded_by=principal.subject,
    )
    session.add(document)
    await session.flush()
    act = {
        "requirement": requirement,
        "version": version,
        "sha256": stored.sha256,
        "document_id": str(document.id),
    }
    await record(
        session, app, action="upload", before=app.state, by=Actor.of(principal), data=act, bump=False
    )
    return document


async def list_documents(session: AsyncSession, app: Application) -> list[ApplicationDocument]:
    statement = (
        select(ApplicationDocument)
        .where(ApplicationDocument.application_id == app.id)
        .order_by(ApplicationDocument.requirement_code, ApplicationDocument.version)
    )
    return list(await session.scalars(statement))
