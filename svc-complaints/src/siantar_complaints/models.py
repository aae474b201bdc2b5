"""Import hub: every ORM model of svc-complaints, so that Alembic and the mappers see all of them."""

from siantar_complaints.browse import models as browse_models  # indexes and search objects of the lists
from siantar_complaints.category.models import Category, CategoryChange, CategoryGroup
from siantar_complaints.complaint.models import (
    Complaint,
    ComplaintFollow,
    ComplaintPhoto,
    ComplaintRating,
    ComplaintUpdate,
    TrackingCounter,
)
from siantar_complaints.db import Base
from siantar_complaints.erasure.models import ErasedAccount, FeedCursor
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_complaints.moderation.models import ModerationAction, ModerationFlag
from siantar_complaints.open311.models import Open311Submission
from siantar_complaints.routing.models import RoutingRule, RoutingRuleChange
from siantar_complaints.sla.models import SlaClass
from siantar_shared.calendar import HolidayRecordMixin
from siantar_shared.platform_models import define_platform_models

platform = define_platform_models(Base)


class Holiday(HolidayRecordMixin, Base):
    """Days off (national holidays, cuti bersama, local days), editable per year: the SLA calendar."""

    __tablename__ = "holiday"


__all__ = [
    "Base",
    "Category",
    "CategoryChange",
    "CategoryGroup",
    "Complaint",
    "ComplaintFollow",
    "ComplaintPhoto",
    "ComplaintRating",
    "ComplaintUpdate",
    "ErasedAccount",
    "FeedCursor",
    "Holiday",
    "ModerationAction",
    "ModerationFlag",
    "NotificationOutbox",
    "Open311Submission",
    "RoutingRule",
    "RoutingRuleChange",
    "SlaClass",
    "TrackingCounter",
    "browse_models",
    "platform",
]
