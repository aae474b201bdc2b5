"""What every request of svc-identity can reach through `request.state`, built once per process.

`build_state` is used by the app's lifespan and by the tests alike, so both run the same wiring.
"""

from typing import Any

from siantar_identity.clock import SystemClock
from siantar_identity.config import Settings
from siantar_identity.notify.notifiers import build_notifiers
from siantar_identity.security.context import Crypto


def build_state(settings: Settings) -> dict[str, Any]:
    return {
        "crypto": Crypto.from_settings(settings),
        "clock": SystemClock(),
        "notifiers": build_notifiers(settings),
    }
