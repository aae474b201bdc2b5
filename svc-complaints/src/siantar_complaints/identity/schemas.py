"""What this service reads from svc-identity's `GET /identity/v1/agencies` (unknown fields are ignored)."""

from pydantic import BaseModel, ConfigDict


class Agency(BaseModel):
    """An OPD, kecamatan or city enterprise as identity publishes it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str
    name: str
    short_name: str = ""
    cluster: str = ""
    active: bool
    # identity's "active and within valid_from..valid_to today"; older answers may not carry it
    in_effect: bool | None = None

    @property
    def usable(self) -> bool:
        """Whether complaints may be routed to it now."""
        return self.active and self.in_effect is not False


class AgencyList(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[Agency]
