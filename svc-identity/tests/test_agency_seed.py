"""The shipped OPD list: well-formed, complete for routing, and seeded without overwriting admins' edits."""

from factories_staff import audit_rows
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.agency import service as agency_service
from siantar_identity.agency.models import Agency
from siantar_shared import wilayah

BRIEF_CODES = {
    "SETDA",
    "INSPEKTORAT",
    "BAPPEDA",
    "BPKPD",
    "BKPSDM",
    "DPMPTSP",
    "DISDUKCAPIL",
    "PUTR",
    "PRKP",
    "DLH",
    "SATPOLPP",
    "DAMKAR",
    "BPBD",
    "DISHUB",
    "DISKOMINFO",
    "DINKES",
    "DISDIK",
    "RSUD",
    "TIRTAULI",
    "PDPHJ",
}


class TestSeedRows:
    def test_rows_pass_the_api_rules_and_codes_are_unique(self) -> None:
        rows = agency_service.seed_rows()  # each row is validated as an admin's POST would be
        codes = [row["code"] for row in rows]
        assert len(codes) == len(set(codes))
        assert BRIEF_CODES <= set(codes)

    def test_every_kecamatan_is_a_territorial_unit(self) -> None:
        rows = {row["code"]: row for row in agency_service.seed_rows()}
        for kecamatan in wilayah.all_kecamatan():
            code = "KEC-" + kecamatan.name.upper().replace(" ", "-")
            assert rows[code]["cluster"] == "territorial"
            assert rows[code]["name"] == f"Kecamatan {kecamatan.name}"


class TestSeed:
    async def test_adds_the_list_once(self, session: AsyncSession) -> None:
        added = await agency_service.seed(session)
        assert len(added) == len(agency_service.seed_rows())
        assert await agency_service.seed(session) == []
        count = await session.scalar(select(func.count()).select_from(Agency))
        assert count == len(added)
        assert len(await audit_rows(session, "agency.seeded")) == 1

    async def test_never_overwrites_an_admins_edit_and_only_adds_missing_codes(
        self, session: AsyncSession
    ) -> None:
        await agency_service.seed(session)
        await session.execute(
            update(Agency).where(Agency.code == "PUTR").values(short_name="Dinas PUPR", active=False)
        )
        await session.execute(Agency.__table__.delete().where(Agency.code == "PDPHJ"))
        assert await agency_service.seed(session) == ["PDPHJ"]
        session.expire_all()
        putr = await agency_service.get(session, "PUTR")
        assert (putr.short_name, putr.active) == ("Dinas PUPR", False)
