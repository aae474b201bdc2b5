"""Import hub: every ORM model of svc-identity, so that Alembic and the mappers see all of them."""

from siantar_identity.account.models import Account, OneTimeCode, RecoveryCode
from siantar_identity.agency.models import Agency
from siantar_identity.audit.models import AuditRecord
from siantar_identity.client.models import ApiClient, ApiKey
from siantar_identity.db import Base
from siantar_identity.notify.models import Notification
from siantar_identity.oauth.authorize_models import AuthorizationRequest
from siantar_identity.oauth.models import AuthorizationCode, RefreshToken, SigningKey, TokenFamily
from siantar_identity.privacy.models import ConsentEvent, DataRequest, NikReview
from siantar_identity.throttle.models import ThrottleState
from siantar_shared.platform_models import define_platform_models

platform = define_platform_models(Base)

__all__ = [
    "Account",
    "Agency",
    "ApiClient",
    "ApiKey",
    "AuditRecord",
    "AuthorizationCode",
    "AuthorizationRequest",
    "Base",
    "ConsentEvent",
    "DataRequest",
    "NikReview",
    "Notification",
    "OneTimeCode",
    "RecoveryCode",
    "RefreshToken",
    "SigningKey",
    "ThrottleState",
    "TokenFamily",
    "platform",
]
