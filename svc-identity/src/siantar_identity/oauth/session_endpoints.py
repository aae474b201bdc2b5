"""/identity/v1/me/sessions: the signed-in person's sessions (which apps are signed in, and ending them)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response

from siantar_identity.clock import ClockDep
from siantar_identity.oauth import sessions
from siantar_identity.oauth.schemas import SessionList, SessionsRevoked
from siantar_shared.auth import Principal, require
from siantar_shared.db import SessionDep

router = APIRouter(prefix="/me/sessions", tags=["sessions"])
Person = Annotated[Principal, require()]


@router.get("", response_model=SessionList, summary="My sessions")
async def list_sessions(
    request: Request, principal: Person, session: SessionDep, clock: ClockDep
) -> SessionList:
    """The apps you are signed in to and can stay signed in to (refreshable sessions), most recently used
    first (at most 100): which app, when you signed in, when it was last used, how (`amr`: `pwd` password,
    `otp` authenticator code), and whether it is the session making this request (`current`)."""
    items = await sessions.live_sessions(
        session, principal, current=sessions.current_session(request), at=clock.now()
    )
    return SessionList(items=items)


@router.delete("/{session_id}", status_code=204, summary="End one of my sessions")
async def end_session(
    session_id: UUID, request: Request, principal: Person, session: SessionDep, clock: ClockDep
) -> Response:
    """Sign out one session (for instance a lost phone): its refresh token stops working at once, and its
    last access token expires within minutes. Another person's session is 404."""
    await sessions.end_session(session, request, principal, session_id, at=clock.now())
    return Response(status_code=204)


@router.post("/revoke-others", response_model=SessionsRevoked, summary="End my other sessions")
async def end_other_sessions(
    request: Request, principal: Person, session: SessionDep, clock: ClockDep
) -> SessionsRevoked:
    """Sign out everywhere else (after changing your password, for instance): every session but the one
    making this request ends. Answers how many ended."""
    ended = await sessions.end_other_sessions(
        session, request, principal, current=sessions.current_session(request), at=clock.now()
    )
    return SessionsRevoked(revoked=ended)
