"""Per-environment renders: the committed deploy/kong/kong.<env>.yml are what the render command makes (like a
lockfile check), and the overlay rules (select by tag, deep merge, `+` appends) fail loudly when misused."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from siantar_gateway import render
from siantar_gateway.__main__ import run as cli
from siantar_gateway.config import DEFAULT_KONG_CONFIG
from siantar_gateway.kongconf import KongConfigError

BASE = yaml.safe_load(DEFAULT_KONG_CONFIG.read_text())


@pytest.mark.parametrize("env", render.ENVIRONMENTS)
def test_committed_render_is_up_to_date(env: str) -> None:
    difference = render.diff(render.render(env), render.rendered_path(env))
    assert difference == "", (
        f"deploy/kong/kong.{env}.yml is stale: python -m siantar_gateway render --env {env} "
        f"-o deploy/kong/kong.{env}.yml\n{difference}"
    )


def run(*args: str) -> int:
    return cli(["render", "--env", "prod", *args])


def test_the_check_command_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "kong.prod.yml"
    stale.write_text(render.rendered_path("prod").read_text().replace("minute: 10\n", "minute: 11\n", 1))
    command = [sys.executable, "-m", "siantar_gateway", "render", "--env", "prod", "--check", str(stale)]
    finished = subprocess.run(command, capture_output=True, check=False, text=True)  # noqa: S603 - fixed arguments
    assert finished.returncode == 1  # the exit status CI sees
    assert "is out of date" in finished.stderr
    assert run("--check", str(render.rendered_path("prod"))) == 0
    written = tmp_path / "written.yml"
    assert run("-o", str(written)) == 0
    assert written.read_text() == render.rendered_path("prod").read_text()


def test_renders_are_marked_generated() -> None:
    assert render.rendered_path("test").read_text().startswith("# GENERATED from gateway/kong.yml")


class TestApply:
    def test_merge_replace_and_append(self) -> None:
        overlay = {
            "plugins": [
                {"tag": "siantar:limit-writes", "config": {"minute": 7}},
                {"tag": "siantar:security-headers", "config": {"add": {"headers+": ["X-Extra:1"]}}},
            ]
        }
        document = render.apply(BASE, overlay)
        writes = [
            p
            for _, p in render.kongconf.iter_plugins(document)
            if "siantar:limit-writes" in p.get("tags", [])
        ]
        assert len(writes) == 5
        assert all(p["config"]["minute"] == 7 and p["config"]["hour"] == 1000 for p in writes)
        headers = [p["config"]["add"]["headers"] for _, p in render.kongconf.iter_plugins(document)
                   if "siantar:security-headers" in p.get("tags", [])]  # fmt: skip
        assert len(headers) == 4
        assert all(h[-1] == "X-Extra:1" and len(h) == 5 for h in headers)
        assert BASE == yaml.safe_load(DEFAULT_KONG_CONFIG.read_text())  # the base is not changed

    @pytest.mark.parametrize(
        ("overlay", "expected"),
        [
            ({"plugins": [{"tag": "siantar:nothing", "config": {}}]}, "no plugin carries the tag"),
            ({"plugins": [{"tag": "siantar:cors"}]}, "needs exactly `tag` and `config`"),
            ({"services": []}, "an overlay is a mapping with a `plugins` list"),
            ({"plugins": [{"tag": "siantar:cors", "config": {"max_age+": [1]}}]}, "appends a list to a list"),
        ],
    )
    def test_misuse_is_refused(self, overlay: object, expected: str) -> None:
        with pytest.raises(render.OverlayError, match=expected):
            render.apply(BASE, overlay)

    def test_a_render_the_gateway_would_refuse_is_an_error(self, tmp_path: Path) -> None:
        (tmp_path / "dev.yml").write_text(
            "plugins:\n  - tag: 'siantar:limit-login'\n    config: {policy: cluster}\n"
        )
        with pytest.raises(KongConfigError, match="rate-limiting .*'policy' is 'cluster'"):
            render.render("dev", overlays=tmp_path)

    def test_unknown_environment(self) -> None:
        with pytest.raises(render.OverlayError, match="unknown environment 'staging'"):
            render.render("staging")
