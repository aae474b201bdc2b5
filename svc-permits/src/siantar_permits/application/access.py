"""Who sees which applications: the applicant their own, DPMPTSP staff all, a technical OPD only those it has
a task on. Anyone else gets 404 (not 403), so ids of other people's applications reveal nothing."""

from uuid import UUID

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application.exceptions import ApplicationNotFound
from siantar_permits.application.models import Application, TechnicalTask
from siantar_permits.auth import STAFF_ROLES, is_licensing_staff
from siantar_shared.auth import Principal, Role
from siantar_shared.i18n import Text


def visible_to(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause: the applications `principal` may see."""
    if is_licensing_staff(principal):
        return true()
    if principal.agency and principal.has_role(*STAFF_ROLES):
        has_task = exists().where(
            TechnicalTask.application_id == Application.id, TechnicalTask.opd_code == principal.agency
        )
        return has_task
    if principal.has_role(Role.citizen):
        return Application.applicant_id == principal.subject
    return false()


async def load(session: AsyncSession, application_id: UUID, principal: Principal) -> Application:
    statement = select(Application).where(Application.id == application_id, visible_to(principal))
    app = await session.scalar(statement)
    if app is None:
        raise ApplicationNotFound(
            Text(f"Tidak ada permohonan {application_id}", f"No application {application_id}")
        )
    return app


def is_applicant(principal: Principal, app: Application) -> bool:
    return principal.has_role(Role.citizen) and app.applicant_id == principal.subject
