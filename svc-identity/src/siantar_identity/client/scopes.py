"""The registry of scopes an API client may be allowed, and which kinds of client may hold each one.

Scopes that let a caller act for the platform itself (sending notifications, registering guests, checking
API keys, reading event feeds and identity's internal data) are for service clients only; the others are
for apps acting for a person, or for third-party systems. The consent page describes the user-facing ones
(`oauth.authorize_schemas.SCOPE_DESCRIPTIONS`).
"""

from dataclasses import dataclass

from siantar_identity.client.models import ClientProfile

APPS = frozenset({ClientProfile.citizen_app, ClientProfile.staff_app, ClientProfile.third_party})
SERVICES = frozenset({ClientProfile.service})


@dataclass(frozen=True)
class ScopeInfo:
    description: str
    profiles: frozenset[ClientProfile]


SCOPES: dict[str, ScopeInfo] = {
    "openid": ScopeInfo("OpenID Connect sign-in: who the person is", APPS),
    "profile": ScopeInfo("The person's name", APPS),
    "offline_access": ScopeInfo("A refresh token, to stay connected", APPS),
    "complaints:read": ScopeInfo("Read complaints and their progress", APPS),
    "complaints:write": ScopeInfo("Submit and follow up complaints", APPS),
    "open311:write": ScopeInfo("Post Open311 GeoReport v2 service requests", APPS),
    "permits:read": ScopeInfo("Read permit applications", APPS),
    "permits:write": ScopeInfo("Submit and change permit applications", APPS),
    "notify:send": ScopeInfo("Send a templated message to a person through identity", SERVICES),
    "guests:write": ScopeInfo("Register guest reporters (counter, SMS, Open311)", SERVICES),
    "api-keys:check": ScopeInfo("Check API keys presented to a service", SERVICES),
    "events:read": ScopeInfo("Read the event feeds of other services", SERVICES),
    "identity:read": ScopeInfo("Read identity's internal data about subjects (no contact details)", SERVICES),
}
