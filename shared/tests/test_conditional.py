"""Conditional requests: entity tags, If-None-Match (weak) and If-Match (strong, required)."""

import pytest
from pydantic import BaseModel

from siantar_shared.conditional import body_tag, json_response, none_match, require_match, version_tag
from siantar_shared.errors import PreconditionFailed, PreconditionRequired


class Item(BaseModel):
    name: str


class TestTags:
    def test_body_tag_is_quoted_and_stable(self) -> None:
        assert body_tag(b"{}") == body_tag(b"{}")
        assert body_tag(b"{}").startswith('"')
        assert body_tag(b"{}").endswith('"')
        assert body_tag(b"{}") != body_tag(b"[]")

    def test_version_tag(self) -> None:
        assert version_tag(3) == '"v3"'


class TestIfNoneMatch:
    @pytest.mark.parametrize("header", ['"v3"', 'W/"v3"', '"v1", "v3"', "*"])
    def test_matches(self, header: str) -> None:
        assert none_match(header, '"v3"')

    @pytest.mark.parametrize("header", [None, '"v2"', "v3", ""])
    def test_does_not_match(self, header: str | None) -> None:
        assert not none_match(header, '"v3"')


class TestIfMatch:
    def test_missing_is_428(self) -> None:
        with pytest.raises(PreconditionRequired):
            require_match(None, '"v3"')

    @pytest.mark.parametrize("header", ['"v2"', 'W/"v3"', "*"])
    def test_stale_weak_or_star_is_412(self, header: str) -> None:
        with pytest.raises(PreconditionFailed):
            require_match(header, '"v3"')

    def test_current_passes(self) -> None:
        require_match('"v3"', '"v3"')


class TestJsonResponse:
    def test_304_when_held(self) -> None:
        first = json_response(Item(name="a"))
        again = json_response(Item(name="a"), if_none_match=first.headers["etag"])
        assert again.status_code == 304
        assert again.body == b""

    def test_explicit_etag(self) -> None:
        assert json_response(Item(name="a"), etag='"v9"').headers["etag"] == '"v9"'
