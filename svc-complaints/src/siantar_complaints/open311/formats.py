"""GeoReport v2 bodies in XML and JSON from one value: JSON is the mapping of the XML.

Endpoints build plain Python values (dicts, lists, strings, numbers, booleans, None) in their JSON shape; the
XML is derived from it by the spec's naming rules: a top-level list is wrapped in its root element
(`<services>`, `<service_requests>`...) with one item element per entry; a list inside an item is wrapped in an
element of its own name with one child per entry, named by `LIST_ITEMS` (`<attributes><attribute>`,
`<values><value>`, `<endpoints><endpoint>`...); None is an empty element, booleans are `true`/`false`. UTF-8,
with the XML declaration, no namespace.
"""

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from xml.etree import ElementTree

from starlette.responses import Response

WIB = timezone(timedelta(hours=7), "WIB")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
# the element of one entry of a list named like the key (Open311 GeoReport v2 and its extensions)
LIST_ITEMS: dict[str, str] = {
    "endpoints": "endpoint",
    "formats": "format",
    "groups": "group",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "photos": "photo",
    "media_urls": "media_url",
}


class Format(StrEnum):
    xml = "xml"
    json = "json"

    @property
    def media_type(self) -> str:
        return XML_TYPE if self is Format.xml else JSON_TYPE


def parse_format(value: str) -> Format | None:
    """The format a path suffix names (`xml`, `json`; case-insensitive), None for anything else."""
    try:
        return Format(value.lower())
    except ValueError:
        return None


def w3c_datetime(moment: datetime | None) -> str | None:
    """`2026-01-31T08:15:30+07:00`: W3C-DTF with the WIB offset, to the second (naive values are UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(WIB).isoformat(timespec="seconds")


def render(fmt: Format, value: Any, *, root: str, item: str | None = None, status: int = 200) -> Response:
    """The response for `value`: `root` names the XML root, `item` the element of each entry of a list."""
    if fmt is Format.json:
        return Response(to_json(value), status_code=status, media_type=JSON_TYPE)
    return Response(to_xml(value, root=root, item=item), status_code=status, media_type=XML_TYPE)


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def to_xml(value: Any, *, root: str, item: str | None = None) -> bytes:
    element = ElementTree.Element(root)
    if isinstance(value, Sequence) and not isinstance(value, str):
        if item is None:
            raise ValueError("a list needs the name of its item element")
        for entry in value:
            _fill(ElementTree.SubElement(element, item), entry)
    else:
        _fill(element, value)
    body: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _child(element, str(key), child)
    else:
        element.text = _text(value)


def _child(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, Sequence) and not isinstance(value, str):
        entry_name = LIST_ITEMS.get(name, "item")
        for entry in value:
            _fill(ElementTree.SubElement(element, entry_name), entry)
    else:
        _fill(element, value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c_datetime(value)
    return str(value)
