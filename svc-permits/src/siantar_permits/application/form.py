"""Checking an application's form against its type's typed fields: unknown fields, types, bounds, choices."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from siantar_permits.application.exceptions import ApplicationInvalid
from siantar_permits.permit_type.schemas import FieldType, FormField, PermitTypeDefinition
from siantar_shared.i18n import Text


def clean(definition: PermitTypeDefinition, values: dict[str, Any], *, complete: bool) -> dict[str, Any]:
    """The form with each value checked and normalised; `complete` also demands every required field."""
    fields = {f.code: f for f in definition.form}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise _invalid(f"Isian tidak dikenal: {', '.join(unknown)}", f"Unknown fields: {', '.join(unknown)}")
    cleaned = {code: _value(fields[code], value) for code, value in values.items() if value is not None}
    if complete:
        missing = [f.code for f in definition.form if f.required and f.code not in cleaned]
        if missing:
            raise _invalid(
                f"Isian wajib belum diisi: {', '.join(missing)}",
                f"Required fields missing: {', '.join(missing)}",
            )
    return cleaned


def _value(field: FormField, value: Any) -> Any:
    try:
        result = _convert(field, value)
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise _invalid(
            f"Isian {field.code} tidak sah", f"Field {field.code} is not a valid {field.type.value}"
        ) from exc
    if field.type in (FieldType.integer, FieldType.decimal):
        number = Decimal(str(result))
        if (field.minimum is not None and number < Decimal(str(field.minimum))) or (
            field.maximum is not None and number > Decimal(str(field.maximum))
        ):
            raise _invalid(f"Isian {field.code} di luar batas", f"Field {field.code} is out of range")
    return result


def _convert(field: FormField, value: Any) -> Any:
    match field.type:
        case FieldType.string | FieldType.text:
            if not isinstance(value, str) or not value.strip() or len(value) > field.max_length:
                raise ValueError("text")
            return value.strip()
        case FieldType.integer:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("integer")
            return value
        case FieldType.decimal:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise TypeError("decimal")
            number = Decimal(str(value))
            if not number.is_finite():
                raise ValueError("decimal")
            return str(number)
        case FieldType.date:
            return date.fromisoformat(str(value)).isoformat()
        case FieldType.boolean:
            if not isinstance(value, bool):
                raise TypeError("boolean")
            return value
        case FieldType.choice:
            if value not in (field.choices or []):
                raise ValueError("choice")
            return value
    raise ValueError(field.type)


def _invalid(id_: str, en: str) -> ApplicationInvalid:
    return ApplicationInvalid(Text(id_, en))
