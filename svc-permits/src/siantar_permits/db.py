"""This service's own declarative base and MetaData: no other service's tables live here."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from siantar_shared.db import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
