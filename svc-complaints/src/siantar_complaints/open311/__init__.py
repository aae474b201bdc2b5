"""The Open311 GeoReport v2 interface at /open311/v2 (XML and JSON)."""
