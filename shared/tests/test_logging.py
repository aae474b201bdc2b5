"""JSON-lines logs: service, level, request id; NIK-, phone- and email-shaped strings never reach them."""

import json
import logging
import random
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from siantar_shared import logging as siantar_logging
from siantar_shared.logging import JsonFormatter, configure_logging, redact
from siantar_shared.requestid import request_id_var

NIK = "1271014501900003"


def render(msg: str, /, *args: object, log_level: int = logging.INFO, **extra: Any) -> dict[str, Any]:
    """Format one record the way production does (`extra` set on the record) and parse the line back."""
    record = logging.LogRecord("siantar.test", log_level, __file__, 1, msg, args or None, None)
    record.__dict__.update(extra)
    line = JsonFormatter("complaints").format(record)
    assert "\n" not in line
    parsed: dict[str, Any] = json.loads(line)
    return parsed


class TestJsonFormatter:
    def test_fields(self) -> None:
        entry = render("complaint %s verified", "c-42", log_level=logging.WARNING)
        assert entry["service"] == "complaints"
        assert entry["level"] == "WARNING"
        assert entry["logger"] == "siantar.test"
        assert entry["message"] == "complaint c-42 verified"
        assert entry["request_id"] is None
        assert entry["time"].endswith("+00:00")

    def test_request_id_from_context(self) -> None:
        token = request_id_var.set("rid-77")
        try:
            assert render("inside")["request_id"] == "rid-77"
        finally:
            request_id_var.reset(token)

    def test_extras_kept_with_their_types(self) -> None:
        entry = render("done", status=201, duration_ms=12.5, cached=False, note=None, complaint_id="c-1")
        assert entry["status"] == 201
        assert entry["duration_ms"] == 12.5
        assert entry["cached"] is False
        assert entry["note"] is None
        assert entry["complaint_id"] == "c-1"

    def test_extras_cannot_replace_the_core_fields(self) -> None:
        token = request_id_var.set("real-id")
        try:
            entry = render("x", service="spoofed", level="DEBUG", request_id="fake", message="overwritten")
        finally:
            request_id_var.reset(token)
        assert entry["service"] == "complaints"
        assert entry["level"] == "INFO"
        assert entry["request_id"] == "real-id"
        assert entry["message"] == "x"

    def test_extra_request_id_used_outside_a_request(self) -> None:
        assert render("job step", request_id="job-9")["request_id"] == "job-9"

    def test_non_ascii_and_odd_values(self) -> None:
        entry = render("Kelurahan Bantan — ✓", data={"a": [1, 2]}, raw=b"\xff")
        assert entry["message"] == "Kelurahan Bantan — ✓"
        assert entry["data"] == "{'a': [1, 2]}"
        assert isinstance(entry["raw"], str)

    def test_exception_included_and_redacted(self) -> None:
        try:
            raise ValueError(f"bad NIK {NIK}")
        except ValueError:
            record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
        entry = json.loads(JsonFormatter("svc").format(record))
        assert "ValueError: bad NIK [nik]" in entry["exception"]
        assert NIK not in json.dumps(entry)

    def test_bad_format_arguments_do_not_raise_from_logging(self, capsys: pytest.CaptureFixture[str]) -> None:
        logger = logging.getLogger("siantar.test.badargs")
        logger.propagate = False
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter("svc"))
        logger.addHandler(handler)
        try:
            logger.warning("%d items", "not-a-number")  # logging reports it on stderr, never raises
        finally:
            logger.removeHandler(handler)
            logger.propagate = True
        assert "Logging error" in capsys.readouterr().err


class TestRedaction:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (f"NIK {NIK} submitted", "NIK [nik] submitted"),
            (f"nik={NIK};", "nik=[nik];"),
            ("call 081234567890 now", "call [phone] now"),
            ("wa +6281234567890", "wa [phone]"),
            ("wa 6281234567890", "wa [phone]"),
            ("tel 0812-3456-7890", "tel [phone]"),
            ("tel 0812 3456 7890", "tel [phone]"),
            ("tel +62 812 3456 7890", "tel [phone]"),
            ("tel +62-812-3456-7890", "tel [phone]"),
            ("mail warga.siantar+lapor@example.co.id", "mail [email]"),
            ("MAIL Budi.Santoso@Mail.Example.COM ok", "MAIL [email] ok"),
            (f"{NIK},081234567890,a@b.id", "[nik],[phone],[email]"),
        ],
    )
    def test_masked(self, text: str, expected: str) -> None:
        assert redact(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "complaint 3f2a9c1e-0b7d-4e4b-9a55-0c7f1b2e8d11 verified",
            "took 1234 ms",
            "kelurahan 12.72.01.1001",
            "order 127101450190000312",  # 18 digits: not a NIK
            "2026-11-27T10:00:00+07:00",
            "no personal data here",
        ],
    )
    def test_left_alone(self, text: str) -> None:
        assert redact(text) == text

    def test_quick_check_never_skips_a_match(self) -> None:
        """`redact` returns text unchanged when its pre-check finds nothing; on random text the answer must be
        what the three substitutions give."""
        generator = random.Random(20261128)
        alphabet = "0123456789 -+@.ab8"
        for _ in range(20_000):
            text = "".join(generator.choice(alphabet) for _ in range(generator.randint(1, 40)))
            full = siantar_logging._EMAIL.sub(
                "[email]", siantar_logging._PHONE.sub("[phone]", siantar_logging._NIK.sub("[nik]", text))
            )
            assert redact(text) == full, text

    def test_message_and_arguments_redacted(self) -> None:
        entry = render("citizen %s reached at %s", NIK, "+62 812 3456 7890")
        assert entry["message"] == "citizen [nik] reached at [phone]"

    def test_extras_redacted(self) -> None:
        entry = render(
            "contact stored",
            email="warga@example.id",
            phone="0812-3456-7890",
            nik=NIK,
            nik_number=int(NIK),
            phone_number=6281234567890,
            nested={"owner": {"email": "x@y.id"}},
            count=16,
        )
        assert entry["email"] == "[email]"
        assert entry["phone"] == "[phone]"
        assert entry["nik"] == "[nik]"
        assert entry["nik_number"] == "[nik]"
        assert entry["phone_number"] == "[phone]"
        assert "x@y.id" not in json.dumps(entry)
        assert entry["count"] == 16

    def test_nothing_personal_anywhere_in_the_line(self) -> None:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m %s", (NIK,), None)
        record.who = ["a@b.id", "081234567890"]
        line = JsonFormatter("svc").format(record)
        for secret in (NIK, "a@b.id", "081234567890"):
            assert secret not in line


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    access = logging.getLogger("uvicorn.access")
    saved_access = access.handlers[:], access.propagate, access.disabled
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    access.handlers[:], access.propagate, access.disabled = saved_access


@pytest.mark.usefixtures("restore_logging")
class TestConfigureLogging:
    def test_json_lines_on_stderr(self, capsys: pytest.CaptureFixture[str]) -> None:
        configure_logging("permits", "debug")
        token = request_id_var.set("cfg-1")
        try:
            logging.getLogger("siantar_permits.anything").debug("hello %s", "a@b.id")
        finally:
            request_id_var.reset(token)
        lines = capsys.readouterr().err.splitlines()
        entry = json.loads(lines[-1])
        assert entry | {"time": None} == {
            "time": None,
            "level": "DEBUG",
            "service": "permits",
            "logger": "siantar_permits.anything",
            "request_id": "cfg-1",
            "message": "hello [email]",
        }

    def test_level_filters(self, capsys: pytest.CaptureFixture[str]) -> None:
        configure_logging("permits", "WARNING")
        logging.getLogger("x").info("hidden")
        logging.getLogger("x").warning("shown")
        messages = [json.loads(line)["message"] for line in capsys.readouterr().err.splitlines()]
        assert messages == ["shown"]

    def test_uvicorn_access_log_off(self) -> None:
        configure_logging("permits")
        access = logging.getLogger("uvicorn.access")
        assert access.disabled
        # uvicorn formats an access line's arguments whenever the logger has a handler anywhere above it
        assert not access.hasHandlers()
        assert logging.getLogger("uvicorn.error").propagate

    def test_unknown_level_refused(self) -> None:
        with pytest.raises(ValueError, match="Unknown level"):
            configure_logging("permits", "verbose")
