"""422 problems for request validation, with one entry per field and Indonesian messages."""

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from siantar_shared.errors import PROBLEM_BASE, UnprocessableContent, problem_response, request_language
from siantar_shared.i18n import Language, LocalizedValueError, Text

# Indonesian for pydantic's common error types; other types keep pydantic's English message.
_ID_MESSAGES: dict[str, str] = {
    "missing": "Wajib diisi",
    "string_too_short": "Terlalu pendek",
    "string_too_long": "Terlalu panjang",
    "string_type": "Harus berupa teks",
    "string_pattern_mismatch": "Formatnya tidak sesuai",
    "int_type": "Harus berupa bilangan bulat",
    "int_parsing": "Harus berupa bilangan bulat",
    "float_type": "Harus berupa angka",
    "float_parsing": "Harus berupa angka",
    "bool_type": "Harus berupa true atau false",
    "bool_parsing": "Harus berupa true atau false",
    "greater_than": "Nilainya terlalu kecil",
    "greater_than_equal": "Nilainya terlalu kecil",
    "less_than": "Nilainya terlalu besar",
    "less_than_equal": "Nilainya terlalu besar",
    "enum": "Bukan salah satu pilihan yang diizinkan",
    "literal_error": "Bukan salah satu pilihan yang diizinkan",
    "uuid_parsing": "Harus berupa UUID",
    "uuid_type": "Harus berupa UUID",
    "datetime_parsing": "Harus berupa tanggal dan waktu ISO 8601",
    "datetime_from_date_parsing": "Harus berupa tanggal dan waktu ISO 8601",
    "date_parsing": "Harus berupa tanggal ISO 8601 (YYYY-MM-DD)",
    "json_invalid": "Bukan JSON yang sah",
    "model_attributes_type": "Harus berupa objek",
    "dict_type": "Harus berupa objek",
    "list_type": "Harus berupa daftar",
    "too_short": "Terlalu sedikit butir",
    "too_long": "Terlalu banyak butir",
    "extra_forbidden": "Kolom ini tidak dikenal",
    "value_error": "Nilainya tidak sah",
    "missing_argument": "Wajib diisi",
}


def field_errors(errors: Sequence[Any], language: Language) -> list[dict[str, str]]:
    """`[{"pointer": "#/location/lat", "in": "body", "detail": "..."}]` for each pydantic error."""
    result = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        where = location[0] if location else "body"
        path = location[1:] if where in ("body", "query", "path", "header", "cookie") else location
        if error.get("type") == "json_invalid":
            path = []  # pydantic puts the character offset there, which is no field
        result.append({"pointer": json_pointer(path), "in": where, "detail": _message(error, language)})
    return result


def json_pointer(path: Sequence[str]) -> str:
    """An RFC 6901 pointer in URI-fragment form: `#` is the whole document, `~` and `/` are escaped."""
    return "#" + "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in path)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    language = request_language(request)
    errors = field_errors(exc.errors(), language)
    count = len(errors)
    detail = Text(
        f"{count} kolom gagal validasi", f"{count} field{'s' if count != 1 else ''} failed validation"
    )
    return problem_response(
        request,
        422,
        UnprocessableContent.title,
        detail,
        type_=PROBLEM_BASE + "validation-error",
        errors=errors,
    )


def _message(error: Any, language: Language) -> str:
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, LocalizedValueError):
        return cause.text.pick(language)
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if language == "id" and error.get("type") != "value_error":
        return _ID_MESSAGES.get(str(error.get("type")), message)
    return message
