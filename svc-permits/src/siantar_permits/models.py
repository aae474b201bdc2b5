"""Import hub: every ORM model of svc-permits, so that Alembic and the mappers see all of them."""

from siantar_permits.db import Base
from siantar_shared.calendar import HolidayRecordMixin
from siantar_shared.platform_models import define_platform_models

platform = define_platform_models(Base)


class Holiday(HolidayRecordMixin, Base):
    """Days off (national holidays, cuti bersama, local days), editable per year: the SLA calendar."""

    __tablename__ = "holiday"


# the domains' tables (imported after `platform`, which their services import from here)
from siantar_permits.application.models import (
    Application,
    ApplicationEvent,
    NumberCounter,
    TechnicalTask,
)
from siantar_permits.document.models import ApplicationDocument
from siantar_permits.erasure.models import FeedCursor
from siantar_permits.fee.models import FeeAssessment, Payment
from siantar_permits.notify.models import Notification
from siantar_permits.permit.models import Permit
from siantar_permits.permit_type.models import PermitType, PermitTypeVersion
from siantar_permits.survey.models import SurveyResponse

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationEvent",
    "Base",
    "FeeAssessment",
    "FeedCursor",
    "Holiday",
    "Notification",
    "NumberCounter",
    "Payment",
    "Permit",
    "PermitType",
    "PermitTypeVersion",
    "SurveyResponse",
    "TechnicalTask",
    "platform",
]
