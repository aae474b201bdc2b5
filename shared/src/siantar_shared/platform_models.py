"""The platform's own tables, defined on each service's `Base`: idempotency keys, outbox, job leases.

Call `define_platform_models(Base)` once, in the service's `models.py` import hub, so that Alembic sees the
tables (`idempotency_key`, `outbox_event`, `outbox_sequence`, `job_lease`) and autogenerates them:

    platform = define_platform_models(Base)
    app = create_service_app(settings, ..., platform=platform)
"""

from dataclasses import dataclass
from typing import TypeVar, cast

from sqlalchemy.orm import DeclarativeBase

from siantar_shared.events import OutboxEventMixin, OutboxSequenceMixin
from siantar_shared.idempotency import IdempotencyRecordMixin
from siantar_shared.jobs import JobLeaseMixin

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class PlatformModels:
    """The concrete ORM classes of one service (each also a subclass of that service's `Base`)."""

    idempotency: type[IdempotencyRecordMixin]
    outbox_event: type[OutboxEventMixin]
    outbox_sequence: type[OutboxSequenceMixin]
    job_lease: type[JobLeaseMixin]


def define_platform_models(base: type[DeclarativeBase]) -> PlatformModels:
    """Map the platform mixins onto `base`, with their fixed table names."""
    return PlatformModels(
        idempotency=_model(base, IdempotencyRecordMixin, "IdempotencyKey", "idempotency_key"),
        outbox_event=_model(base, OutboxEventMixin, "OutboxEvent", "outbox_event"),
        outbox_sequence=_model(base, OutboxSequenceMixin, "OutboxSequence", "outbox_sequence"),
        job_lease=_model(base, JobLeaseMixin, "JobLease", "job_lease"),
    )


def _model(base: type[DeclarativeBase], mixin: type[M], name: str, table: str) -> type[M]:
    namespace = {"__tablename__": table, "__module__": base.__module__, "__qualname__": name}
    return cast(type[M], type(name, (mixin, base), namespace))
