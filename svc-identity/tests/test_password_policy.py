"""The password policy (ASVS 5.0 6.2): its rules, the shipped common-password list, the breached-password
adapters (development and Have I Been Pwned), and the 422 answer through HTTP."""

import hashlib
import logging

import httpx
import pytest
from factories_account import ACCOUNTS, registration
from httpx import AsyncClient

from siantar_identity.config import Settings
from siantar_identity.security.breached import (
    DevelopmentBreachedPasswords,
    HibpBreachedPasswords,
    build_breached_checker,
)
from siantar_identity.security.password_policy import (
    PasswordContext,
    PasswordRejected,
    Rule,
    broken_rules,
    common_passwords,
    enforce,
)

RINA = PasswordContext(names=("Rina Br. Simanjuntak",), phone="+6281234567890", email="rina.s@example.id")


class TestCommonList:
    def test_at_least_ten_thousand_entries(self) -> None:
        common = common_passwords()
        assert len(common) >= 10_000
        assert {"password", "123456", "qwerty", "iloveyou"} <= common


class TestRules:
    @pytest.mark.parametrize(
        ("password", "rules"),
        [
            ("pendek", [Rule.too_short]),
            ("tujuh77", [Rule.too_short]),
            ("delapan8", []),
            ("a" * 7 + "é", []),
            ("x" * 128, []),
            ("kopi " * 13, []),  # 65 characters: long passphrases are welcome
            ("x" * 129, [Rule.too_long]),
            ("password1", [Rule.common]),
            ("PassWord1", [Rule.common]),  # case-insensitive
            ("ｐａｓｓｗｏｒｄ１", [Rule.common]),  # full-width letters fold to the same (NFKC)
            ("cinta-SIANTAR-selalu", [Rule.context_word]),
            ("pemko hebat sekali", [Rule.context_word]),
            ("kopi simanjuntak pagi", [Rule.context_word]),  # a name part
            ("nomorku 81234567890!", [Rule.context_word]),  # the phone's digits
            ("rina.s suka kopi", [Rule.context_word]),  # the e-mail's local part
            ("siantar", [Rule.too_short, Rule.context_word]),
            ("kopi br. di pagi hari", []),  # name parts shorter than 3 characters do not count
        ],
    )
    def test_broken_rules(self, password: str, rules: list[Rule]) -> None:
        assert broken_rules(password, RINA) == rules

    def test_length_counts_code_points_after_nfkc(self) -> None:
        assert broken_rules("🙂" * 8, PasswordContext()) == []
        assert broken_rules("🙂" * 7, PasswordContext()) == [Rule.too_short]
        assert broken_rules("e\u0301" * 4, PasswordContext()) == [Rule.too_short]  # NFKC composes é: 4 points


class TestEnforce:
    async def test_every_broken_rule_is_listed(self) -> None:
        with pytest.raises(PasswordRejected) as caught:
            await enforce("Siantar1", context=RINA, breached=DevelopmentBreachedPasswords())
        assert caught.value.rules == [Rule.context_word]
        with pytest.raises(PasswordRejected) as caught:
            await enforce("iloveyou", context=RINA, breached=DevelopmentBreachedPasswords())
        assert caught.value.rules == [Rule.common, Rule.breached]

    async def test_a_good_password_passes(self) -> None:
        await enforce("payung biru di musim hujan", context=RINA, breached=DevelopmentBreachedPasswords())


class TestDevelopmentBreachedPasswords:
    async def test_the_shipped_list_counts_as_breached(self) -> None:
        checker = DevelopmentBreachedPasswords()
        assert await checker.is_breached("trustno1")
        assert await checker.is_breached("TrustNo1")
        assert not await checker.is_breached("payung biru di musim hujan")

    def test_chosen_by_settings(self, settings: Settings) -> None:
        assert isinstance(build_breached_checker(settings), DevelopmentBreachedPasswords)
        hibp = settings.model_copy(update={"BREACHED_PASSWORD_CHECK": "hibp"})
        assert isinstance(build_breached_checker(hibp), HibpBreachedPasswords)
        with pytest.raises(ValueError, match="no breached-password check"):
            build_breached_checker(settings.model_copy(update={"BREACHED_PASSWORD_CHECK": "other"}))

    def test_refused_in_production(self) -> None:
        with pytest.raises(ValueError, match="BREACHED_PASSWORD_CHECK=development"):
            Settings(_env_file=None, ENV="production")


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()


class TestHibpBreachedPasswords:
    def transport(self, seen: list[httpx.Request], body: str, status: int = 200) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(status, text=body)

        return httpx.MockTransport(handler)

    async def test_only_the_prefix_leaves_and_padding_is_asked(self) -> None:
        digest, seen = sha1("hunter2 is my password"), []
        body = f"{digest[5:]}:42\r\n0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n"
        checker = HibpBreachedPasswords(transport=self.transport(seen, body))
        assert await checker.is_breached("hunter2 is my password")
        assert seen[0].url.path == f"/range/{digest[:5]}"
        assert seen[0].headers["Add-Padding"] == "true"
        assert digest[5:] not in str(seen[0].url)
        assert "hunter2" not in str(seen[0].url)

    async def test_padding_entries_do_not_count(self) -> None:
        digest = sha1("kopi pagi di pasar horas")
        checker = HibpBreachedPasswords(transport=self.transport([], f"{digest[5:]}:0\r\n"))
        assert not await checker.is_breached("kopi pagi di pasar horas")

    async def test_fails_open_with_a_warning(self, caplog: pytest.LogCaptureFixture) -> None:
        checker = HibpBreachedPasswords(transport=self.transport([], "unavailable", status=503))
        with caplog.at_level(logging.WARNING, logger="siantar_identity.security.breached"):
            assert not await checker.is_breached("kopi pagi di pasar horas")
        assert "unavailable" in caplog.text
        assert "kopi" not in caplog.text


class TestRegistrationPolicy:
    async def test_short_password_all_rules_listed_in_english(self, client: AsyncClient) -> None:
        response = await client.post(
            ACCOUNTS, json=registration(password="siantar"), headers={"Accept-Language": "en"}
        )
        assert response.status_code == 422
        problem = response.json()
        assert problem["type"].endswith("/validation-error")
        details = [error["detail"] for error in problem["errors"]]
        assert {error["pointer"] for error in problem["errors"]} == {"#/password"}
        assert any("at least 8 characters" in detail and "15" in detail for detail in details)
        assert any("city's name" in detail for detail in details)

    async def test_indonesian_by_default(self, client: AsyncClient) -> None:
        response = await client.post(ACCOUNTS, json=registration(password="qwertyuiop"))
        assert response.status_code == 422
        assert any("paling umum" in error["detail"] for error in response.json()["errors"])

    async def test_context_word_from_the_body(self, client: AsyncClient) -> None:
        body = registration(full_name="Togar Napitupulu", password="napitupulu kopi pagi")
        response = await client.post(ACCOUNTS, json=body)
        assert response.status_code == 422

    async def test_a_long_passphrase_is_accepted(self, client: AsyncClient) -> None:
        passphrase = "di tepi danau toba kami minum kopi sambil menunggu matahari terbit pagi"
        assert len(passphrase) > 64
        assert (await client.post(ACCOUNTS, json=registration(password=passphrase))).status_code == 202

    async def test_breached_by_the_development_adapter(self, client: AsyncClient) -> None:
        response = await client.post(
            ACCOUNTS, json=registration(password="starwars"), headers={"Accept-Language": "en"}
        )
        details = [error["detail"] for error in response.json()["errors"]]
        assert any("data breach" in detail for detail in details)
