"""Import hub: every ORM model of svc-identity, so that Alembic and the mappers see all of them."""

from siantar_identity.db import Base
from siantar_shared.platform_models import define_platform_models

platform = define_platform_models(Base)

__all__ = ["Base", "platform"]
