"""Validation of Open311 answers: the Open311 validator's JSON Schemas, the mySociety OpenAPI components, and
XML parsed with defusedxml. See SOURCES.md for where each schema comes from."""

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import jsonschema
from defusedxml import ElementTree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

HERE = Path(__file__).resolve().parent
VALIDATOR_SCHEMAS = ("request", "requests", "service", "services", "service-definition")
BASE = "https://open311.test/schema/georeport-v2/"
# W3C-DTF with a mandatory offset, to the second
W3C_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")


@cache
def _registry() -> Registry:
    resources = [
        (BASE + f"{name}.json", Resource.from_contents(_load(f"{name}.json"), default_specification=DRAFT4))
        for name in VALIDATOR_SCHEMAS
    ]
    return Registry().with_resources(resources)


def _load(file: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / file).read_text(encoding="utf-8"))
    return data


def validate(name: str, body: Any) -> None:
    """Validate `body` against the Open311 validator's `<name>.json` (raises jsonschema.ValidationError)."""
    schema = {**_load(f"{name}.json"), "id": BASE + f"{name}.json"}  # draft-04 names its base "id"
    jsonschema.Draft4Validator(schema, registry=_registry()).validate(body)


@cache
def openapi_component(name: str) -> dict[str, Any]:
    """An OpenAPI 3.0 component as a JSON Schema: optional members may be null, `xml` and odd formats dropped."""
    component = copy.deepcopy(_load("open311-georeport-v2.openapi.json")["components"]["schemas"][name])
    required = set(component.get("required", []))
    for member, schema in component.get("properties", {}).items():
        schema.pop("xml", None)
        if schema.get("format") in ("uid", "uint", "uri", "double"):
            schema.pop("format")
        if member not in required and "type" in schema:
            schema["type"] = [schema["type"], "null"]
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
    component.pop("xml", None)
    return component


def validate_openapi_list(name: str, body: Any) -> None:
    """`body` is a JSON array of the OpenAPI component `name`."""
    jsonschema.Draft4Validator({"type": "array", "items": openapi_component(name)}).validate(body)


def parse_xml(body: bytes) -> Element:
    """Parse an XML answer safely; it must declare UTF-8 and use no namespace."""
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body[:60]
    root: Element = ElementTree.fromstring(body)
    assert all("}" not in element.tag for element in root.iter()), "no namespaces"
    return root


def texts(element: Element) -> dict[str, str | None]:
    """The text of each direct child, by tag."""
    return {child.tag: child.text for child in element}


def assert_datetimes(values: list[Any]) -> None:
    for value in values:
        if value is not None:
            assert W3C_DATETIME.fullmatch(value), value
