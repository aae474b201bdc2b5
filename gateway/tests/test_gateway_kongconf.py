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

    def test_regex_paths_are_anchored_at_the_start_and_outrank_prefixes(self) -> None:
        config = kongconf.parse(
            document(
                route("writes", "/a", methods=["POST"]),
                route("photos", "~/a/v1/items/[^/]+/photos", methods=["POST"]),
                route("long-prefix", "/a/v1/items/long/photos/and/more/still", methods=["POST"]),
            )
        )
        match = config.match("POST", "/a/v1/items/42/photos")
        assert (match.route.name, match.prefix) == ("photos", "/a/v1/items/42/photos")  # type: ignore[union-attr]
        # a regex beats even a longer prefix of the same categories, as in traditional_compatible
        assert config.match("POST", "/a/v1/items/long/photos/and/more/still").route.name == "photos"  # type: ignore[union-attr]
        assert config.match("POST", "/x/a/v1/items/42/photos") is None
        assert config.match("POST", "/a/v1/items/42").route.name == "writes"  # type: ignore[union-attr]

    def test_regex_priority_orders_regex_routes(self) -> None:
        config = kongconf.parse(
            document(route("low", "~/a/[0-9]+"), route("high", "~/a/1", regex_priority=5))
        )
        assert config.match("GET", "/a/12").route.name == "high"  # type: ignore[union-attr]
        assert config.match("GET", "/a/22").route.name == "low"  # type: ignore[union-attr]

    def test_merge_slashes(self) -> None:
        assert kongconf.merge_slashes("/open311/v2//requests///1.json") == "/open311/v2/requests/1.json"

    def test_plugins_of_the_most_specific_scope(self) -> None:
        doc = document(
            route("r", "/a", plugins=[{"name": "cors", "instance_name": "route-cors"}]), route("s", "/b")
        )
        doc["services"][0]["plugins"] = [{"name": "cors", "instance_name": "service-cors"}]
        doc["plugins"] = [
            {"name": "cors", "instance_name": "global-cors"},
            {"name": "rate-limiting", "instance_name": "global-rl", "config": {"minute": 1}},
            {"name": "prometheus", "instance_name": "off", "enabled": False},
            {"name": "request-size-limiting", "instance_name": "top-level-on-s", "route": "s"},
        ]
        config = kongconf.parse(doc)
        by_route = {name: config.plugins_of(config.match("GET", path).route)  # type: ignore[union-attr]
                    for name, path in (("r", "/a"), ("s", "/b"))}  # fmt: skip
        assert {k: v.instance_name for k, v in by_route["r"].items()} == {
            "cors": "route-cors",
            "rate-limiting": "global-rl",
        }
        assert {k: v.instance_name for k, v in by_route["s"].items()} == {
            "cors": "service-cors", "rate-limiting": "global-rl", "request-size-limiting": "top-level-on-s"
        }  # fmt: skip
        assert {k: v.instance_name for k, v in config.plugins_of(None).items()} == {
            "cors": "global-cors", "rate-limiting": "global-rl"
        }  # fmt: skip

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
            ({"paths": ["~/a/[0-9+$"]}, "does not compile"),
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
