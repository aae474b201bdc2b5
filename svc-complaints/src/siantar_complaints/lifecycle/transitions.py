"""The lifecycle as a table: for each action, the states it starts from, the state it leads to, who may do it,
and the extra checks of its body (in `effects.py`). LAPOR!-aligned (domain brief §2.2):

    submitted -> verified -> dispositioned -> in_progress -> resolved -> closed
                                               in_progress <-> waiting_for_citizen (SLA clock paused)
    submitted/verified/dispositioned -> rejected | duplicate | redirected
    resolved/closed -> reopened -> in_progress

Who ("parties"), from the caller and the complaint (visibility.py decides who sees it at all):
- desk: the verifier desk (Role.verifier) and admins;
- supervisor: Role.supervisor whose agency claim is the complaint's OPD;
- officer: Role.officer or Role.supervisor of the complaint's OPD; once an officer is assigned, only that
  officer (or a supervisor of the OPD) works it;
- reporter: the citizen (or guest) who reported it, signed in as themselves.
"""

from dataclasses import dataclass
from enum import StrEnum

from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint
from siantar_complaints.complaint.states import Status
from siantar_shared.auth import Principal, Role


class Action(StrEnum):
    verify = "verify"
    reject = "reject"
    mark_duplicate = "mark-duplicate"
    disposition = "disposition"
    assign = "assign"
    reassign = "reassign"
    start = "start"
    request_information = "request-information"
    resolve = "resolve"
    redirect = "redirect"
    close = "close"
    reopen = "reopen"


class Party(StrEnum):
    desk = "desk"
    supervisor = "supervisor"
    officer = "officer"
    reporter = "reporter"


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status | None  # None: the state does not change (assignments)
    parties: frozenset[Party]
    checks: str  # what else is checked (documentation; the checks live in effects.py)


def _t(
    action: Action, sources: set[Status], target: Status | None, parties: set[Party], checks: str
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(parties), checks)


S = Status
INTAKE = {S.submitted, S.verified, S.dispositioned}
WORKING = {S.dispositioned, S.in_progress, S.waiting_for_citizen, S.reopened}
TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        _t(
            Action.verify, {S.submitted}, S.verified, {Party.desk}, "starts nothing: the verify clock runs on"
        ),
        _t(Action.reject, INTAKE, S.rejected, {Party.desk}, "a reason; stops the clock"),
        _t(
            Action.mark_duplicate,
            INTAKE,
            S.duplicate,
            {Party.desk},
            "of: another complaint that exists, is visible to the caller and is not itself a duplicate",
        ),
        _t(
            Action.disposition,
            {S.verified, S.dispositioned},
            S.dispositioned,
            {Party.desk},
            "opd_code usable in identity's agency list; clears the assignee; starts the follow_up clock",
        ),
        _t(
            Action.assign,
            WORKING,
            None,
            {Party.supervisor},
            "no officer assigned yet; the officer named is active staff (officer or supervisor) of the "
            "complaint's OPD in identity",
        ),
        _t(
            Action.reassign,
            WORKING,
            None,
            {Party.supervisor},
            "an officer assigned, a different one named, active staff of the complaint's OPD in identity",
        ),
        _t(Action.start, {S.dispositioned, S.reopened}, S.in_progress, {Party.officer}, "assigns the caller"),
        _t(
            Action.request_information,
            {S.in_progress},
            S.waiting_for_citizen,
            {Party.officer},
            "a question of at most 300 characters; pauses the clock",
        ),
        _t(
            Action.resolve,
            {S.in_progress},
            S.resolved,
            {Party.officer},
            "a public update text (or a response template); starts the close clock",
        ),
        _t(Action.redirect, INTAKE, S.redirected, {Party.desk}, "where to (not the city's responsibility)"),
        _t(Action.close, {S.resolved}, S.closed, {Party.reporter, Party.desk}, "stops the clock"),
        _t(
            Action.reopen,
            {S.resolved, S.closed},
            S.reopened,
            {Party.reporter},
            "within the reopen window after the resolution; restarts the follow_up clock",
        ),
    )
}


def parties_of(principal: Principal | None, complaint: Complaint) -> set[Party]:
    """Every part the caller plays on this complaint."""
    parties: set[Party] = set()
    if principal is None:
        return parties
    if visibility.sees_everything(principal):
        parties.add(Party.desk)
    if visibility.is_reporter(principal, complaint):
        parties.add(Party.reporter)
    if visibility.opd_of(principal) == complaint.opd_code:
        if principal.has_role(Role.supervisor):
            parties.update({Party.supervisor, Party.officer})
        elif complaint.assigned_officer_id in (None, principal.subject):
            parties.add(Party.officer)
    return parties


def may(principal: Principal | None, complaint: Complaint, transition: Transition) -> bool:
    return bool(parties_of(principal, complaint) & transition.parties)


def acting_role(principal: Principal, complaint: Complaint) -> str:
    """The role recorded on the timeline for this caller on this complaint."""
    if visibility.is_reporter(principal, complaint):
        return "citizen"
    for role in (Role.admin, Role.verifier, Role.supervisor, Role.officer, Role.service, Role.citizen):
        if principal.has_role(role):
            return role.value
    return "citizen"
