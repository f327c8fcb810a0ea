"""One-time links and held times in the REST API: a staff key makes a one-time link; a guest's client reads the
link's page and slots and books through it (410 `link_used` / `link_expired` once it cannot), and holds a time
while its guest fills in their details."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select

from kite_app.api.schemas import ErrorBody
from kite_app.api.staff import AUTH_ERRORS, Key
from kite_app.api.v1 import (
    DURATION,
    END,
    ERRORS,
    START,
    TZ,
    BookingIn,
    IsoTime,
    MeetingOut,
    Minutes,
    PageOut,
    SlotsOut,
    _client,
    _json,
    _out,
    _page,
    _range,
    _request,
    _slots_response,
)
from kite_app.domain.errors import NotFound
from kite_app.domain.text import msg
from kite_app.domain.tokens import new_token
from kite_app.persistence.db import transaction
from kite_app.persistence.models import Team, User
from kite_app.services import booking_form, holds, one_time_links

router = APIRouter(prefix="/api/v1")
GONE: dict[int | str, dict[str, Any]] = {
    410: {"model": ErrorBody, "description": "link_used (used, revoked or unknown) or link_expired"}}
Token = Annotated[str, Path(max_length=100)]
Slug = Annotated[str, Path(max_length=100)]


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expires_at: IsoTime | None = Field(default=None, description="When the link stops working, ISO 8601 with offset")
    duration: Minutes | None = Field(default=None, description="The meeting's minutes (15-360), whatever the page "
                                                               "offers; the page's durations if omitted")


class LinkOut(BaseModel):
    token: str = Field(description="The link's secret: shown once, only its hash is kept")
    url: str = Field(description="The booking page at the link")
    expires_at: str | None


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: IsoTime = Field(description="A slot's start, ISO 8601 with offset")
    duration: Minutes | None = Field(default=None, description="Minutes; the page's default if omitted")


class HoldOut(BaseModel):
    hold_token: str = Field(description="Send as `hold_token` with the booking; DELETE /holds/{token} releases it")
    expires_at: str


def _owner_id(slug: str, *, team: bool) -> int:
    with transaction(read_only=True) as s:
        row = (s.exec(select(Team).where(Team.slug == slug)).first() if team
               else s.exec(select(User).where(User.slug == slug)).first())
    if row is None:
        raise NotFound(msg("No team has this address.") if team else msg("No agent has this booking address."))
    return row.id


def _link(caller, body: LinkIn, **owner: int) -> Response:
    view, token = one_time_links.create(caller.actor, now=datetime.now(UTC), expires_at=body.expires_at,
                                        duration=body.duration, **owner)
    return _json({"token": token, "url": one_time_links.url(token), "expires_at": view["expires_at"] or None}, 201)


@router.post("/agents/{slug}/one-time-links", response_model=LinkOut, status_code=201, responses=AUTH_ERRORS)
def create_agent_link(slug: Slug, body: LinkIn, caller: Key):
    """A link to the agent's page that books one meeting (an Agent key: its own agent only)."""
    return _link(caller, body, agent_id=_owner_id(slug, team=False))


@router.post("/teams/{slug}/one-time-links", response_model=LinkOut, status_code=201, responses=AUTH_ERRORS)
def create_team_link(slug: Slug, body: LinkIn, caller: Key):
    """A link to the team's page that books one meeting (Admin key)."""
    return _link(caller, body, team_id=_owner_id(slug, team=True))


@router.get("/one-time-links/{token}", response_model=PageOut, responses={**ERRORS, **GONE})
def one_time_page(token: Token, request: Request):
    """The page the link books with (its durations the link's own when it has one), and its questions."""
    found, info = one_time_links.page(token, now=datetime.now(UTC), client=_client(request))
    return _page(info, booking_form.questions_on_page(found.slug, team=found.team), request)


@router.get("/one-time-links/{token}/slots", response_model=SlotsOut, responses={**ERRORS, **GONE})
def one_time_slots(token: Token, request: Request, start: START = None, end: END = None, duration: DURATION = None,
                   tz: TZ = "UTC"):
    """Free slots of the link's page, as GET /agents/{slug}/slots answers them."""
    lo, hi, now = _range(start, end, tz)
    found, info = one_time_links.page(token, now=now, client=_client(request))
    slots = one_time_links.slots(found, start=lo, end=hi, duration=duration, guest_zone=tz, now=now)
    return _slots_response(info["agent_name"], tz, found.duration or duration or info["default_duration"], slots)


@router.post("/one-time-links/{token}/bookings", response_model=MeetingOut, status_code=201,
             responses={**ERRORS, **GONE})
def one_time_booking(token: Token, body: BookingIn, request: Request,
                     idempotency_key: Annotated[str | None, Header(max_length=200)] = None):
    """Book through the link: the first booking uses it up; of concurrent ones exactly one succeeds."""
    now = datetime.now(UTC)
    return _out(one_time_links.book(token, _request(token, body, request, idempotency_key), now=now), 201)


def _hold(slug: str, team: bool, body: HoldIn, request: Request) -> Response:
    secret = new_token()
    held = holds.hold(slug, team=team, start=body.start, duration=body.duration, secret=secret,
                      client=_client(request), now=datetime.now(UTC))
    return _json({"hold_token": secret, "expires_at": held.expires_at.astimezone(UTC).isoformat()}, 201)


@router.post("/agents/{slug}/holds", response_model=HoldOut, status_code=201, responses=ERRORS)
def hold_agent_time(slug: Slug, body: HoldIn, request: Request):
    """Hold a slot for KITE_HOLD_MINUTES while the guest fills in their details: other guests no longer get it
    (409 `slot_taken` when one has it already). One live hold per client address and agent."""
    return _hold(slug, False, body, request)


@router.post("/teams/{slug}/holds", response_model=HoldOut, status_code=201, responses=ERRORS)
def hold_team_time(slug: Slug, body: HoldIn, request: Request):
    """Like POST /agents/{slug}/holds, on a team's page (round robin holds one free member)."""
    return _hold(slug, True, body, request)


@router.delete("/holds/{token}", status_code=204, response_class=Response, responses=ERRORS)
def release_hold(token: Token):
    """Release a held time at once (it expires by itself otherwise)."""
    holds.release(token)
    return Response(status_code=204)
