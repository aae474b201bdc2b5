"""The shipped catalogue and SLA classes: well-formed, complete for the city, seeded without overwriting."""

import csv
from pathlib import Path

import pytest
from factories import category_changes, events, get_category, seed_catalogue
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.category.models import Category, CategoryChange, CategoryGroup
from siantar_complaints.category.seed import catalogue
from siantar_complaints.sla import service as sla_service
from siantar_complaints.sla.models import SlaClass

IDENTITY_OPD_CSV = Path(__file__).resolve().parents[2] / "svc-identity/src/siantar_identity/agency/opd.csv"
# the brief's list: roads, street lights, rubbish, drainage and flooding, clean water, parks, markets, public
# order, licensing, civil registration, health, education, transport/parking, pungli/abuse of authority,
# fire, disaster, information requests
EXPECTED = {
    "jalan-rusak": "PUTR",
    "lampu-jalan": "DISHUB",
    "sampah": "DLH",
    "drainase-banjir": "PUTR",
    "air-bersih": "TIRTAULI",
    "taman": "DLH",
    "pasar": "PDPHJ",
    "ketertiban-umum": "SATPOLPP",
    "perizinan": "DPMPTSP",
    "adminduk": "DISDUKCAPIL",
    "kesehatan": "DINKES",
    "pendidikan": "DISDIK",
    "parkir-transportasi": "DISHUB",
    "pungli": "INSPEKTORAT",
    "penyalahgunaan-wewenang": "INSPEKTORAT",
    "kebakaran": "DAMKAR",
    "bencana": "BPBD",
    "permintaan-informasi": "DISKOMINFO",
}


class TestCatalogueFile:
    def test_covers_the_city_and_names_its_source(self) -> None:
        shipped = catalogue()
        assert "domain.md" in shipped.source
        opd = {category.code: category.opd_code for category in shipped.categories}
        assert {code: opd.get(code) for code in EXPECTED} == EXPECTED
        types = {category.type.value for category in shipped.categories}
        assert types == {"aspirasi", "pengaduan", "permintaan_informasi"}

    def test_every_category_has_both_languages_and_templates(self) -> None:
        for category in catalogue().categories:
            assert category.name.id
            assert category.name.en
            assert category.attributes, category.code
            assert {"diterima", "selesai"} <= {template.code for template in category.response_templates}

    @pytest.mark.skipif(
        not IDENTITY_OPD_CSV.is_file(), reason="svc-identity's OPD list is not in this checkout"
    )
    def test_opd_codes_are_active_in_identitys_shipped_list(self) -> None:
        lines = [
            line
            for line in IDENTITY_OPD_CSV.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")
        ]
        active = {row["code"] for row in csv.DictReader(lines) if row["active"] == "true"}
        assert {category.opd_code for category in catalogue().categories} <= active

    def test_sla_classes_carry_budgets_and_sources(self) -> None:
        rows = {row["code"]: row for row in sla_service.seed_rows()}
        budgets = {
            code: (r["verify_days"], r["follow_up_days"], r["close_after_silence_days"])
            for code, r in rows.items()
        }
        assert budgets == {
            "ringan": (3, 2, 10),
            "normatif": (3, 5, 10),
            "tanpa_inspeksi": (3, 14, 10),
            "dengan_inspeksi": (3, 60, 10),
        }
        assert all("lapor.go.id" in row["legal_source"] for row in rows.values())
        assert {category.sla_class for category in catalogue().categories} <= rows.keys()


class TestSeed:
    async def test_adds_everything_once(self, session: AsyncSession) -> None:
        first = await seed_catalogue(session)
        assert len(first.categories) == len(catalogue().categories)
        assert len(first.groups) == len(catalogue().groups)
        second = await seed_catalogue(session)
        assert (second.groups, second.categories) == ([], [])
        assert await session.scalar(select(func.count()).select_from(Category)) == len(first.categories)
        assert await session.scalar(select(func.count()).select_from(SlaClass)) == 4
        assert await session.scalar(select(func.count()).select_from(CategoryChange)) == len(first.categories)
        # the initial catalogue is history, not news: no events (the feed starts empty after `make seed`)
        assert await events(session, "id.go.pematangsiantar.complaints.category.changed") == []

    async def test_never_overwrites_an_admins_edit_and_adds_only_missing(self, session: AsyncSession) -> None:
        await seed_catalogue(session)
        sampah = await get_category(session, "sampah")
        sampah.opd_code, sampah.active = "PRKP", False
        await session.flush()
        await session.execute(delete(CategoryChange).where(CategoryChange.category_code == "pasar"))
        await session.execute(delete(Category).where(Category.code == "pasar"))
        result = await seed_catalogue(session)
        assert result.categories == ["pasar"]
        session.expire_all()
        edited = await get_category(session, "sampah")
        assert (edited.opd_code, edited.active, edited.version) == ("PRKP", False, 2)
        assert [change.action for change in await category_changes(session, "pasar")] == ["seeded"]

    async def test_groups_form_a_tree(self, session: AsyncSession) -> None:
        await seed_catalogue(session)
        groups = {g.code: g.parent_code for g in await session.scalars(select(CategoryGroup))}
        assert groups["air-drainase"] == "infrastruktur"
        assert all(parent is None or parent in groups for parent in groups.values())
