"""The staff API (/api/v1 with `Authorization: Bearer kite_…`): meetings, agents, teams, the key itself, and
webhook endpoints. Errors have the guest API's shape and languages; 401 without a valid key, 403 outside its
scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from kite_app.api.schemas import ErrorBody, MeetingObject, WebhookPayload
from kite_app.api.v1 import IsoTime, Minutes
from kite_app.domain.accounts import Actor
from kite_app.domain.webhooks import EVENTS, PING
from kite_app.services import accounts, api_keys, meeting_changes, staff_meetings, teams, webhooks
from kite_app.services.api_keys import Caller
from kite_app.services.meeting_views import MeetingView, meeting_object

router = APIRouter(prefix="/api/v1")
bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey", bearerFormat="kite_…",
                    description="An API key made on the API keys page (admins) or on Profile (agents).")
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "unauthorized: no key, or one unknown or revoked"},
    403: {"model": ErrorBody, "description": "forbidden: outside the key's scope"},
    404: {"model": ErrorBody, "description": "not_found"},
    422: {"model": ErrorBody, "description": "invalid_input (each field's problem in `fields`)"},
    429: {"model": ErrorBody, "description": "rate_limited: too many requests with this key"},
}


def caller(request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    return api_keys.caller(request.headers.get("authorization"))


Key = Annotated[Caller, Depends(caller)]
MeetingId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _now() -> datetime:
    return datetime.now(UTC)


def _meeting(view: MeetingView) -> Response:
    return _json(meeting_object(view))


class MeetingPage(BaseModel):
    items: list[MeetingObject]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at the end")


class Me(BaseModel):
    key_id: int
    scope: Literal["admin", "agent"]
    user_id: int
    name: str
    email: str
    role: str
    slug: str
    time_zone: str


@router.get("/me", response_model=Me, responses=AUTH_ERRORS, tags=["staff"])
def me(key: Key):
    """Who the key is: its scope and its user (an Agent key's agent, an Admin key's admin)."""
    user = accounts.user_row(key.actor.user_id)
    return _json({"key_id": key.key_id, "scope": key.scope, "user_id": user.id, "name": user.name,
                  "email": user.email, "role": user.role, "slug": user.slug or "", "time_zone": user.time_zone})


@router.get("/meetings", response_model=MeetingPage, responses=AUTH_ERRORS, tags=["staff"])
def list_meetings(
    key: Key, agent: Annotated[str, Query(max_length=100, description="An agent's slug")] = "",
    team: Annotated[str, Query(max_length=100, description="A team's slug")] = "",
    status: Annotated[Literal["pending", "confirmed", "cancelled"] | None, Query()] = None,
    from_: Annotated[IsoTime | None, Query(alias="from", description="Starting at or after (ISO 8601)")] = None,
    to: Annotated[IsoTime | None, Query(description="Starting before (ISO 8601)")] = None,
    guest_email: Annotated[str, Query(max_length=254)] = "",
    updated_since: Annotated[IsoTime | None, Query(description="Changed at or after (ISO 8601)")] = None,
    order: Annotated[Literal["starts_at", "-updated_at"], Query(
        description="starts_at: by start time; -updated_at: newest changes first")] = "starts_at",
    limit: Annotated[int, Query(ge=1, le=staff_meetings.MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
):
    """Meetings the key reaches (an Agent key: its agent's), filtered, a page at a time."""
    items, next_cursor = staff_meetings.meetings(
        key, now=_now(), agent=agent, team=team, status=status or "", starts_from=from_, starts_before=to,
        guest_email=guest_email, updated_since=updated_since, order=order, limit=limit, cursor=cursor)
    return _json({"items": [meeting_object(v) for v in items], "next_cursor": next_cursor})


@router.get("/meetings/{meeting_id}", response_model=MeetingObject, responses=AUTH_ERRORS, tags=["staff"])
def get_meeting(key: Key, meeting_id: MeetingId):
    return _meeting(staff_meetings.meeting(key, meeting_id, now=_now()))


@router.post("/meetings/{meeting_id}/confirm", response_model=MeetingObject, responses=AUTH_ERRORS, tags=["staff"])
def confirm_meeting(key: Key, meeting_id: MeetingId):
    """The agent's Yes (an Admin key: for every host who has not said it yet); the guest is told."""
    return _meeting(staff_meetings.confirm(key, meeting_id, now=_now()))


@router.post("/meetings/{meeting_id}/decline", response_model=MeetingObject, responses=AUTH_ERRORS, tags=["staff"])
def decline_meeting(key: Key, meeting_id: MeetingId):
    """The agent's No to a pending meeting: it is cancelled and the guest told."""
    return _meeting(staff_meetings.decline(key, meeting_id, now=_now()))


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: IsoTime | None = Field(default=None, description="The new start, ISO 8601 with offset")
    duration: Minutes | None = Field(default=None, description="Minutes (15 to 360)")


@router.post("/meetings/{meeting_id}/reschedule", response_model=MeetingObject, responses=AUTH_ERRORS,
             tags=["staff"])
def reschedule_meeting(key: Key, meeting_id: MeetingId, body: RescheduleIn):
    """Move the meeting or change its duration, as its agent would: the same checks, notices and mails."""
    return _meeting(staff_meetings.reschedule(key, meeting_id, start=body.start, duration=body.duration, now=_now()))


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=meeting_changes.MAX_REASON, description="Told to the guest")


@router.post("/meetings/{meeting_id}/cancel", response_model=MeetingObject, responses=AUTH_ERRORS, tags=["staff"])
def cancel_meeting(key: Key, meeting_id: MeetingId, body: CancelIn):
    return _meeting(staff_meetings.cancel(key, meeting_id, reason=body.reason, now=_now()))


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_slug: str = Field(max_length=100, description="Another member of the round-robin team")


@router.post("/meetings/{meeting_id}/reassign", response_model=MeetingObject, responses=AUTH_ERRORS,
             tags=["staff"])
def reassign_meeting(key: Key, meeting_id: MeetingId, body: ReassignIn):
    """Give a round-robin team meeting to another member (who must be free); it gets a new id."""
    return _meeting(staff_meetings.reassign(key, meeting_id, agent_slug=body.agent_slug, now=_now()))


class AgentOut(BaseModel):
    id: int
    slug: str
    name: str
    email: str
    time_zone: str
    active: bool


class TeamOut(BaseModel):
    id: int
    slug: str
    name: str
    kind: str
    active: bool
    members: list[str] = Field(description="The members' slugs")


def _admin(key: Caller) -> Actor:
    staff_meetings.require_admin_key(key)
    return key.actor


@router.get("/agents", response_model=list[AgentOut], responses=AUTH_ERRORS, tags=["staff"])
def list_agents(key: Key):
    return _json([{k: a[k] for k in AgentOut.model_fields} for a in accounts.list_agents(_admin(key))])  # type: ignore[literal-required]


@router.get("/teams", response_model=list[TeamOut], responses=AUTH_ERRORS, tags=["staff"])
def list_teams(key: Key):
    actor = _admin(key)
    slugs = {a["id"]: a["slug"] for a in accounts.list_agents(actor)}
    return _json([{"id": t["id"], "slug": t["slug"], "name": t["name"], "kind": t["kind"], "active": t["active"],
                   "members": [slugs.get(m["agent_id"], "") for m in t["members"]]} for t in teams.list_teams(actor)])


EventName = Literal[EVENTS]  # type: ignore[valid-type]


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=500, description="https (http only with KITE_WEBHOOK_ALLOW_HTTP)")
    events: list[EventName]
    description: str = Field(default="", max_length=200)
    agent_slug: str = Field(default="", max_length=100, description="Only this agent's meetings")
    team_slug: str = Field(default="", max_length=100, description="Only this team's meetings")
    enabled: bool = True


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, max_length=500)
    events: list[EventName] | None = None
    description: str | None = Field(default=None, max_length=200)
    agent_slug: str | None = Field(default=None, max_length=100)
    team_slug: str | None = Field(default=None, max_length=100)
    enabled: bool | None = None


class EndpointOut(BaseModel):
    id: int
    url: str
    description: str
    events: list[str]
    agent_slug: str
    team_slug: str
    enabled: bool
    disabled_reason: str = Field(description="gone (the receiver answered 410), failing (the retries ran out), or "
                                             "empty")
    created_at: str
    rotating_until: str = Field(description="After Rotate secret, the old secret also signs until then")


class EndpointCreated(EndpointOut):
    secret: str = Field(description="whsec_…: shown this once")


EndpointId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/webhooks", response_model=list[EndpointOut], responses=AUTH_ERRORS, tags=["webhooks"])
def list_webhooks(key: Key):
    return _json(webhooks.endpoints(_admin(key)))


@router.post("/webhooks", response_model=EndpointCreated, status_code=201, responses=AUTH_ERRORS,
             tags=["webhooks"])
def create_webhook(key: Key, body: EndpointIn):
    """A new endpoint; its signing secret is in the answer, and never shown again."""
    view, secret = webhooks.create(_admin(key), url=body.url, events=list(body.events), description=body.description,
                                   agent_slug=body.agent_slug, team_slug=body.team_slug, enabled=body.enabled,
                                   now=_now())
    return _json({**view, "secret": secret}, 201)


@router.patch("/webhooks/{endpoint_id}", response_model=EndpointOut, responses=AUTH_ERRORS, tags=["webhooks"])
def change_webhook(key: Key, endpoint_id: EndpointId, body: EndpointPatch):
    return _json(webhooks.update(_admin(key), endpoint_id, now=_now(), url=body.url,
                                 events=list(body.events) if body.events is not None else None,
                                 description=body.description, agent_slug=body.agent_slug,
                                 team_slug=body.team_slug, enabled=body.enabled))


@router.delete("/webhooks/{endpoint_id}", status_code=204, responses=AUTH_ERRORS, tags=["webhooks"])
def delete_webhook(key: Key, endpoint_id: EndpointId):
    webhooks.delete(_admin(key), endpoint_id)
    return Response(status_code=204)


@router.post("/webhooks/{endpoint_id}/rotate-secret", responses=AUTH_ERRORS, tags=["webhooks"])
def rotate_webhook_secret(key: Key, endpoint_id: EndpointId) -> dict[str, str]:
    """A new secret (shown this once); the old one also signs deliveries for 24 hours."""
    return {"secret": webhooks.rotate_secret(_admin(key), endpoint_id, now=_now())}


@router.post("/webhooks/{endpoint_id}/test", status_code=202, responses=AUTH_ERRORS, tags=["webhooks"])
def test_webhook(key: Key, endpoint_id: EndpointId) -> dict[str, str]:
    """Send a `ping` event to the endpoint (see its Deliveries)."""
    webhooks.send_test(_admin(key), endpoint_id, now=_now())
    return {"type": PING}


@router.get("/webhooks/{endpoint_id}/deliveries", responses=AUTH_ERRORS, tags=["webhooks"])
def webhook_deliveries(key: Key, endpoint_id: EndpointId,
                       status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None):
    """The endpoint's deliveries, newest first: each try's time, HTTP status, response time and first KB."""
    return _json(webhooks.deliveries(_admin(key), endpoint_id, status=status or ""))


@router.post("/webhooks/deliveries/{delivery_id}/replay", status_code=202, responses=AUTH_ERRORS, tags=["webhooks"])
def replay_delivery(key: Key, delivery_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> dict[str, str]:
    """Send a delivery again now (the same webhook-id), with the whole retry schedule."""
    webhooks.replay(_admin(key), delivery_id, now=_now())
    return {"status": "pending"}


@router.post("/webhooks/{endpoint_id}/replay", status_code=202, responses=AUTH_ERRORS, tags=["webhooks"])
def replay_failed(key: Key, endpoint_id: EndpointId,
                  since: Annotated[IsoTime, Query(description="Failed deliveries of events since (ISO 8601)")]
                  ) -> dict[str, int]:
    """Send every failed delivery of the endpoint since `since` again."""
    return {"replayed": webhooks.replay_failed(_admin(key), endpoint_id, since=since, now=_now())}


def document_webhooks(app) -> None:
    """OpenAPI 3.1 `webhooks`: what each event's request to an endpoint carries."""
    for event in (*EVENTS, PING):
        def payload(body: WebhookPayload) -> None:
            """Signed per Standard Webhooks v1: headers webhook-id (the same on every try), webhook-timestamp
            and webhook-signature (v1,<base64 HMAC-SHA256 of id.timestamp.body>). Answer 2xx; 410 disables the
            endpoint."""

        app.webhooks.post(event, summary=event)(payload)
