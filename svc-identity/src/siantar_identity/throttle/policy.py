"""The brute-force policy for sign-in (OWASP ASVS 5.0 6.1.1 asks for it to be written down; 6.3.1 to apply it).

What is counted: every sign-in attempt that does not end in a sign-in (unknown account, wrong password, wrong
or missing second factor, disabled or unverified account). An attempt is counted *before* the password is
checked and forgiven when it succeeds, so a burst of parallel guesses cannot slip past the counters while
the first guesses are still being hashed.

Against what: two counters per attempt, in table `throttle_state`:

- `account:<account id>`, or for an identifier that matches no account `identifier:<keyed hash>` (the
  HMAC of the normalised phone, e-mail or username), which follows the same policy, so that how an attempt
  is throttled never tells whether an account exists;
- `ip:<address>`, the caller's address as the ASGI server resolved it (the gateway's `X-Forwarded-For` only
  from trusted proxies); an IPv6 caller counts by its /64, since one host usually holds a whole /64.

The rules, per counter:

- the first `free_failures` consecutive failures cost nothing (5 for an account, 20 for an address);
- each further failure makes the next attempt wait 2^n seconds (n = failures beyond the free ones),
  at most 15 minutes;
- at most `max_failures_per_hour` failures in a one-hour window (IDENTITY_MAX_FAILURES_PER_HOUR, 100 by
  default, for an account; 500 for an address); beyond it, attempts wait for the end of the window;
- a sign-in resets the consecutive failures of the account and of the address (the hourly window keeps
  counting, so successes on one account cannot launder a spray from the same address beyond its hourly cap);
- consecutive failures are forgotten 12 hours after the hour of the last attempt;
- a throttled attempt is answered at once with 429 and `Retry-After` (never by holding the connection),
  is not checked, does not count, and is audited;
- a successful password reset clears the account's counter (`clear_account`), the citizen's way back in.

What it never does: lock an account permanently. The longest an account can be held is until the end of
the hourly window; an attacker who keeps failing keeps the account slow (one guess per 15 minutes plus the
free ones, bounded by the hourly cap), while the per-address counter slows the attacker's own address, and a
password reset by one-time code ends the waits at once. Addresses get more free attempts and a higher cap
because many citizens share one public address behind mobile carriers' NAT.
"""

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

WINDOW = timedelta(hours=1)
FAILURE_MEMORY = timedelta(hours=12)
MAX_WAIT = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Policy:
    free_failures: int
    max_failures_per_hour: int
    max_wait: timedelta = MAX_WAIT

    def wait(self, failures: int) -> timedelta:
        """How long the next attempt waits after `failures` consecutive failures."""
        beyond = failures - self.free_failures
        if beyond <= 0:
            return timedelta(0)
        return min(timedelta(seconds=2 ** min(beyond, 20)), self.max_wait)


def account_policy(max_failures_per_hour: int) -> Policy:
    return Policy(free_failures=5, max_failures_per_hour=max_failures_per_hour)


ADDRESS_POLICY = Policy(free_failures=20, max_failures_per_hour=500)


@dataclass(frozen=True, slots=True)
class Counter:
    """One throttle counter: its key in `throttle_state` and the policy it follows."""

    key: str
    policy: Policy


def account_key(account_id: object) -> str:
    return f"account:{account_id}"


def identifier_key(digest: str) -> str:
    return f"identifier:{digest}"


def address_key(address: str | None) -> str:
    """`ip:<address>`; IPv6 by its /64 network, IPv4-mapped IPv6 as IPv4."""
    if not address:
        return "ip:unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return f"ip:{address[:64]}"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return f"ip:{parsed.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((parsed, 64), strict=False)}"
    return f"ip:{parsed}"
