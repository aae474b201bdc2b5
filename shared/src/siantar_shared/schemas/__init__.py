"""Wire schemas and types that cross services."""
