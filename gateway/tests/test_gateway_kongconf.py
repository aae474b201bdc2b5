"""Routing rules of the development gateway: Kong's prefix match, method filter, priority and strip_path."""

from typing import Any

import pytest

from siantar_gateway import kongconf
from siantar_gateway.kongconf import KongConfigError
from siantar_gateway.proxy import response_headers, upstream_target


def document(*routes: dict[str, Any], url: str = "http://svc-a:8000") -> dict[str, Any]:
    return {"_format_version": "3.0", "services": [{"name": "svc-a", "url": url, "routes": list(routes)}]}


def route(name: str, *paths: str, strip_path: bool = False, **extra: Any) -> dict[str, Any]:
    return {"name": name, "paths": list(paths), "strip_path": strip_path, **extra}


class TestMatch:
    def test_longest_prefix_wins(self) -> None:
        config = kongconf.parse(document(route("short", "/a"), route("long", "/a/b")))
        assert config.match("GET", "/a/b/c").route.name == "long"  # type: ignore[union-attr]
        assert config.match("GET", "/a/x").route.name == "short"  # type: ignore[union-attr]

    def test_prefix_is_a_plain_string_prefix_as_in_kong(self) -> None:
        config = kongconf.parse(document(route("permits", "/permits")))
        assert config.match("GET", "/permitsx") is not None
        assert config.match("GET", "/permit") is None
        assert config.match("GET", "/") is None

    def test_method_filter(self) -> None:
        config = kongconf.parse(document(route("read", "/a", methods=["GET"])))
        assert config.match("GET", "/a") is not None
        assert config.match("POST", "/a") is None

    def test_a_route_with_methods_is_tried_first(self) -> None:
        config = kongconf.parse(document(route("any", "/a/b"), route("posts", "/a", methods=["POST"])))
        assert config.match("POST", "/a/b").route.name == "posts"  # type: ignore[union-attr]
        assert config.match("GET", "/a/b").route.name == "any"  # type: ignore[union-attr]

    def test_top_level_route_naming_its_service(self) -> None:
        doc = document()
        doc["routes"] = [{**route("top", "/t"), "service": "svc-a"}]
        assert kongconf.parse(doc).match("GET", "/t").route.name == "top"  # type: ignore[union-attr]


class TestUpstreamPath:
    @pytest.mark.parametrize(
        ("url", "strip", "request_path", "expected"),
        [
            ("http://svc-a:8000", False, "/a/v1/x", "/a/v1/x"),
            ("http://svc-a:8000", True, "/a/v1/x", "/v1/x"),
            ("http://svc-a:8000", True, "/a", "/"),
            ("http://svc-a:8000/base", True, "/a/v1", "/base/v1"),
            ("http://svc-a:8000/base", False, "/a/v1", "/base/a/v1"),
            ("http://svc-a:8000/base/", True, "/a/v1", "/base/v1"),
            ("http://svc-a:8000/base", True, "/a", "/base"),
        ],
    )
    def test_strip_path(self, url: str, strip: bool, request_path: str, expected: str) -> None:
        config = kongconf.parse(document(route("r", "/a", strip_path=strip), url=url))
        match = config.match("GET", request_path)
        assert match is not None
        assert match.upstream_path(request_path) == expected

    def test_raw_path_and_query_are_kept(self) -> None:
        match = kongconf.parse(document(route("r", "/a"))).match("GET", "/a/x/y")
        scope = {"path": "/a/x/y", "raw_path": b"/a/x%2Fy", "query_string": b"q=1&apikey=k"}
        assert upstream_target(match, scope, "/a/x/y") == "/a/x%2Fy?q=1&apikey=k"  # type: ignore[arg-type]

    def test_stripped_path_is_re_encoded(self) -> None:
        match = kongconf.parse(document(route("r", "/a", strip_path=True))).match("GET", "/a/x y")
        scope = {"path": "/a/x y", "raw_path": b"/a/x%20y", "query_string": b""}
        assert upstream_target(match, scope, "/a/x y") == "/x%20y"  # type: ignore[arg-type]

    def test_dot_segments_are_resolved_before_routing(self) -> None:
        assert kongconf.normalize_path("/permits/../identity/v1") == "/identity/v1"
        assert kongconf.normalize_path("/a/./b/..") == "/a/"
        assert kongconf.normalize_path("/../../x") == "/x"
        assert kongconf.normalize_path("/a/b.json") == "/a/b.json"
        match = kongconf.parse(document(route("r", "/identity"))).match("GET", "/identity/v1")
        scope = {
            "path": "/permits/../identity/v1",
            "raw_path": b"/permits/../identity/v1",
            "query_string": b"",
        }
        assert upstream_target(match, scope, "/identity/v1") == "/identity/v1"  # type: ignore[arg-type]


class TestRefused:
    @pytest.mark.parametrize(
        ("extra", "expected"),
        [
            ({"hosts": ["api.example"]}, "'hosts' is not supported"),
            ({"headers": {"x": ["y"]}}, "'headers' is not supported"),
            ({"paths": ["~/a/[0-9]+$"]}, "regex paths are not supported"),
            ({"paths": []}, "needs at least one path"),
            ({"protocols": ["grpc"]}, "only http/https"),
        ],
    )
    def test_what_the_gateway_cannot_enforce(self, extra: dict[str, Any], expected: str) -> None:
        with pytest.raises(KongConfigError, match=expected):
            kongconf.parse(document({**route("r", "/a"), **extra}))

    def test_lint_problems(self) -> None:
        with pytest.raises(KongConfigError, match="_format_version is missing"):
            kongconf.parse({"services": []})

    def test_bad_upstream_url(self) -> None:
        with pytest.raises(KongConfigError, match="must be http"):
            kongconf.parse(document(route("r", "/a")), lambda name: "ftp://elsewhere")

    def test_override_replaces_the_url(self) -> None:
        config = kongconf.parse(document(route("r", "/a")), lambda name: "http://127.0.0.1:8001")
        assert config.service("svc-a").url == "http://127.0.0.1:8001"

    def test_default_timeouts_are_kongs(self) -> None:
        service = kongconf.parse(document(route("r", "/a"))).service("svc-a")
        assert (service.timeouts.connect, service.timeouts.read, service.timeouts.write) == (60.0, 60.0, 60.0)


def test_response_hop_by_hop_headers_are_dropped() -> None:
    raw = (
        (b"Content-Type", b"application/json"),
        (b"Connection", b"keep-alive, X-Private-Hop"),
        (b"X-Private-Hop", b"1"),
        (b"Transfer-Encoding", b"chunked"),
        (b"Keep-Alive", b"timeout=5"),
        (b"Date", b"Mon, 01 Jan 2026 00:00:00 GMT"),
        (b"Set-Cookie", b"a=1"),
        (b"Set-Cookie", b"b=2"),
    )
    assert response_headers(raw) == [(b"content-type", b"application/json"), (b"set-cookie", b"a=1"),
                                     (b"set-cookie", b"b=2")]  # fmt: skip
