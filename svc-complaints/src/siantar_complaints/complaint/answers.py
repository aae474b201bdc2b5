"""Answers to a category's extra questions (Open311 attributes), checked against the category's definition."""

import math
from datetime import datetime
from typing import Any

from siantar_complaints.category.attributes import AttributeDatatype
from siantar_complaints.category.models import Category
from siantar_complaints.complaint.exceptions import InvalidAnswers
from siantar_complaints.complaint.text import plain_text
from siantar_shared.i18n import LocalizedValueError, Text

MAX_STRING = 500
MAX_TEXT = 4000


def check_answers(category: Category, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers normalised (numbers as numbers, lists of keys de-duplicated); 422 naming every problem."""
    questions = {a["code"]: a for a in category.attributes if a.get("variable", True)}
    problems: list[Text] = []
    checked: dict[str, Any] = {}
    for code in answers:
        if code not in questions:
            problems.append(
                Text(f"Pertanyaan {code} tidak ada di kategori ini", f"No question {code} in this category")
            )
    for code, question in sorted(questions.items(), key=lambda item: item[1].get("order", 0)):
        value = answers.get(code)
        if value is None or value == "" or value == []:
            if question.get("required"):
                problems.append(Text(f"Pertanyaan {code} wajib dijawab", f"Question {code} must be answered"))
            continue
        try:
            checked[code] = _check(question, value)
        except LocalizedValueError as exc:
            problems.append(Text(f"{code}: {exc.text.id}", f"{code}: {exc.text.en}"))
    if problems:
        raise InvalidAnswers(
            Text("; ".join(p.id for p in problems), "; ".join(p.en for p in problems)),
            extra={"errors": [{"detail": p.en, "detail_id": p.id} for p in problems]},
        )
    return checked


def _check(question: dict[str, Any], value: Any) -> Any:
    datatype = AttributeDatatype(question["datatype"])
    keys = {v["key"] for v in question.get("values", [])}
    match datatype:
        case AttributeDatatype.string | AttributeDatatype.text:
            if not isinstance(value, str):
                raise LocalizedValueError(Text("harus berupa teks", "must be text"))
            text = plain_text(value)
            limit = MAX_STRING if datatype is AttributeDatatype.string else MAX_TEXT
            if len(text) > limit:
                raise LocalizedValueError(
                    Text(f"paling banyak {limit} karakter", f"at most {limit} characters")
                )
            return " ".join(text.split()) if datatype is AttributeDatatype.string else text
        case AttributeDatatype.number:
            try:
                number = float(value) if not isinstance(value, bool) and not isinstance(value, list) else None
            except (TypeError, ValueError):
                number = None
            if number is None or not math.isfinite(number):
                raise LocalizedValueError(Text("harus berupa angka", "must be a number"))
            return int(number) if number.is_integer() else number
        case AttributeDatatype.datetime:
            try:
                moment = datetime.fromisoformat(str(value))
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                raise LocalizedValueError(
                    Text(
                        "harus tanggal-waktu ISO 8601 dengan zona waktu",
                        "must be an ISO 8601 date-time with offset",
                    )
                )
            return moment.isoformat()
        case AttributeDatatype.singlevaluelist:
            if not isinstance(value, str) or value not in keys:
                raise LocalizedValueError(Text("pilihan tidak dikenal", "unknown choice"))
            return value
        case AttributeDatatype.multivaluelist:
            chosen = [value] if isinstance(value, str) else value
            if not isinstance(chosen, list) or not chosen or any(c not in keys for c in chosen):
                raise LocalizedValueError(Text("pilihan tidak dikenal", "unknown choice"))
            return list(dict.fromkeys(chosen))
