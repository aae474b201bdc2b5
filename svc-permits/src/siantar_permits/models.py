"""Import hub: every ORM model of svc-permits, so that Alembic and the mappers see all of them."""

from siantar_permits.db import Base
from siantar_shared.calendar import HolidayRecordMixin
from siantar_shared.platform_models import define_platform_models

platform = define_platform_models(Base)


class Holiday(HolidayRecordMixin, Base):
    """Days off (national holidays, cuti bersama, local days), editable per year: the SLA calendar."""

    __tablename__ = "holiday"


from siantar_permits.permit_type.models import PermitType, PermitTypeVersion

__all__ = ["Base", "Holiday", "PermitType", "PermitTypeVersion", "platform"]
