"""SKM (Survei Kepuasan Masyarakat, PermenPANRB 14/2017 [U]): one answer per issued application, offered
at hand-over; the index per permit type = mean of the nine element means (each 1-4) × 25, with its band
(A 88.31-100, B 76.61-88.30, C 65.00-76.60, D 25.00-64.99)."""

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application import access
from siantar_permits.application.models import Application
from siantar_permits.application.states import State
from siantar_permits.application.workflow import must, require_state
from siantar_permits.survey.models import SurveyResponse
from siantar_shared.auth import Principal
from siantar_shared.errors import Conflict
from siantar_shared.i18n import Text

ELEMENTS = (
    "requirements",
    "procedure",
    "duration",
    "cost",
    "product",
    "competence",
    "behaviour",
    "complaints",
    "facilities",
)
Score = Field(ge=1, le=4)
BANDS = ((Decimal("88.31"), "A"), (Decimal("76.61"), "B"), (Decimal("65.00"), "C"), (Decimal("25.00"), "D"))


class SurveyAnswer(BaseModel):
    """Each of the nine elements from 1 (tidak baik) to 4 (sangat baik)."""

    requirements: int = Score
    procedure: int = Score
    duration: int = Score
    cost: int = Score
    product: int = Score
    competence: int = Score
    behaviour: int = Score
    complaints: int = Score
    facilities: int = Score
    comment: str | None = Field(default=None, max_length=2000)


class SurveyIndex(BaseModel):
    type: str
    responses: int
    index: float | None = Field(description="IKM 25-100; null without responses")
    band: str | None
    elements: dict[str, float]


class AlreadyAnswered(Conflict):
    slug = "survey-answered"
    title = Text("Survei sudah diisi", "Survey already answered")


async def answer(session: AsyncSession, app: Application, body: SurveyAnswer, principal: Principal) -> None:
    must(
        access.is_applicant(principal, app),
        "Hanya pemohon yang mengisi survei",
        "Only the applicant answers the survey",
    )
    require_state(app, State.issued)
    try:
        async with session.begin_nested():
            session.add(SurveyResponse(application_id=app.id, type_code=app.type_code, **body.model_dump()))
    except IntegrityError as exc:
        raise AlreadyAnswered() from exc


async def index(session: AsyncSession, type_code: str) -> SurveyIndex:
    columns = [func.avg(getattr(SurveyResponse, name)) for name in ELEMENTS]
    row = (
        await session.execute(select(func.count(), *columns).where(SurveyResponse.type_code == type_code))
    ).one()
    count = int(row[0])
    if count == 0:
        return SurveyIndex(type=type_code, responses=0, index=None, band=None, elements={})
    means = {name: Decimal(str(value)) for name, value in zip(ELEMENTS, row[1:], strict=True)}
    ikm = (sum(means.values(), Decimal(0)) / len(ELEMENTS) * 25).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    band = next((letter for floor, letter in BANDS if ikm >= floor), None)
    return SurveyIndex(
        type=type_code,
        responses=count,
        index=float(ikm),
        band=band,
        elements={k: round(float(v), 2) for k, v in means.items()},
    )
