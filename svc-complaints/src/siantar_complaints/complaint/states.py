"""The vocabularies of a complaint: lifecycle states (LAPOR!-aligned, domain brief §2.2), channels, privacy flags,
timeline entry kinds. Values are stored as text and are part of the API: never rename one."""

from enum import StrEnum


class Status(StrEnum):
    submitted = "submitted"  # received, waiting for the verifier desk (SLA: verify_days)
    verified = "verified"  # clear and complete, legitimised by the verifier desk
    dispositioned = "dispositioned"  # handed to the responsible OPD (SLA: follow_up_days)
    in_progress = "in_progress"  # an officer of the OPD is on it
    waiting_for_citizen = (
        "waiting_for_citizen"  # the OPD asked the reporter for information: SLA clock paused
    )
    resolved = "resolved"  # the OPD posted its follow-up (SLA: close_after_silence_days without reply)
    closed = "closed"  # accepted by the reporter, or silence after resolution
    rejected = "rejected"  # not a complaint we can act on (reason recorded)
    duplicate = "duplicate"  # the same as another complaint (which one recorded)
    redirected = "redirected"  # not the city's responsibility: sent elsewhere (where recorded)
    reopened = "reopened"  # the reporter was not satisfied with the resolution


OPEN_STATES = frozenset(
    {
        Status.submitted,
        Status.verified,
        Status.dispositioned,
        Status.in_progress,
        Status.waiting_for_citizen,
        Status.reopened,
    }
)
FINAL_STATES = frozenset({Status.closed, Status.rejected, Status.duplicate, Status.redirected})


class Channel(StrEnum):
    web = "web"
    app = "app"
    sms = "sms"
    whatsapp = "whatsapp"
    counter = "counter"  # entered by an officer at a service counter
    open311 = "open311"


class IdentityVisibility(StrEnum):
    """Who may see who reported (anonim in LAPOR! terms is `hidden`)."""

    public = "public"  # everyone
    agency = "agency"  # staff of the city, not the public
    hidden = "hidden"  # the verifier desk and admins only; officers of the OPD never


class ReportVisibility(StrEnum):
    """Whether the report itself is public (rahasia in LAPOR! terms is `restricted`)."""

    public = "public"
    restricted = "restricted"  # the reporter and staff only: a 404 for everyone else


class ReporterKind(StrEnum):
    citizen = "citizen"  # a signed-in account
    guest = "guest"  # a person registered through identity's guest endpoint by an officer or API client


class UpdateKind(StrEnum):
    status_change = "status_change"
    public_update = "public_update"  # from the OPD, visible to whoever sees the complaint
    internal_note = "internal_note"  # staff only
    citizen_reply = "citizen_reply"  # the reporter's answer or comment
    assignment = "assignment"  # an officer assigned or reassigned
    visibility_change = "visibility_change"  # privacy flags changed by staff
    rating = "rating"
    sla = "sla"  # reminders and escalations by the system


class UpdateVisibility(StrEnum):
    public = "public"  # whoever may see the complaint
    participants = "participants"  # the reporter and staff
    staff = "staff"  # staff only
