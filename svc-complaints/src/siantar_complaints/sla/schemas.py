"""Response bodies of the SLA classes."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SlaClassCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$"),
    Field(description="An SLA class (`GET /sla-classes`)", examples=["normatif"]),
]


class SlaClass(BaseModel):
    """Working-day budgets (hari kerja) of each lifecycle step, and where they come from."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "normatif",
                    "name": {"id": "Normatif", "en": "Standard"},
                    "verify_days": 3,
                    "follow_up_days": 5,
                    "close_after_silence_days": 10,
                    "legal_source": "Verifikasi 3 hari kerja: FAQ blog.lapor.go.id. ...",
                }
            ]
        }
    )

    code: str
    name: dict[str, str] = Field(description="`id` (Bahasa Indonesia) and `en`")
    verify_days: int = Field(description="Submitted to verified and dispositioned")
    follow_up_days: int = Field(description="Dispositioned to the OPD's first follow-up")
    close_after_silence_days: int = Field(description="Resolved to closed when the reporter does not reply")
    legal_source: str


class SlaClassList(BaseModel):
    items: list[SlaClass]
