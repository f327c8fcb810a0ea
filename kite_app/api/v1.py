"""Public REST API /api/v1: free slots, booking, and managing a booking by its secret token.

Every error is JSON: {"code": stable identifier, "message": for people, "fields": {field: message}}.
The UI calls the same service functions.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from kite_app import i18n, routes
from kite_app.api.schemas import ErrorBody, MeetingObject
from kite_app.config import settings
from kite_app.domain.accounts import time_zone_error
from kite_app.domain.errors import (
    CalendarUnavailable,
    KiteError,
    LinkExpired,
    LinkUsed,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    Unauthenticated,
    ValidationError,
)
from kite_app.domain.meeting import SlotTaken, SlotUnavailable
from kite_app.domain.text import msg
from kite_app.domain.tokens import token_hash
from kite_app.services import (
    accounts,
    availability,
    booking,
    booking_form,
    meeting_changes,
    meeting_views,
    teams,
)
from kite_app.services.booking import BookingRequest, LoginRequired
from kite_app.services.meeting_views import MeetingView, meeting_object

router = APIRouter(prefix="/api/v1")
MAX_RANGE_DAYS = 31


class SlotOut(BaseModel):
    start: str = Field(description="Start, ISO 8601 in UTC")
    date: str = Field(description="The guest's local date")
    time: str = Field(description="The guest's wall-clock time, HH:MM")
    label: str


class SlotsOut(BaseModel):
    agent: str
    time_zone: str
    duration: int
    slots: list[SlotOut]


def _iso_text(value: object) -> object:
    """A time given as an ISO 8601 string (a number is no time: 12345 would be read as a Unix time)."""
    if not isinstance(value, str):
        raise PydanticCustomError("iso_datetime", "Give the time as an ISO 8601 string with its UTC offset.")
    return value


IsoTime = Annotated[datetime, BeforeValidator(_iso_text)]
Minutes = Annotated[int, Strict(), Field(ge=1, le=1440)]  # a whole number: "30" and 30.5 are refused


class QuestionOut(BaseModel):
    id: str = Field(description="The key of its answer in a booking's `answers`, and of a prefilled page's parameter")
    label: str = Field(description="In the asker's language where the form has it, else the default language")
    help: str
    type: Literal["short_text", "long_text", "single_choice", "multiple_choice", "phone", "checkbox"]
    required: bool
    options: list[str] = Field(description="Single and multiple choice: the options' texts")


class PageOut(BaseModel):
    name: str = Field(description="The agent's or the team's name")
    time_zone: str = Field(description="The agent's (a team's first member's) IANA time zone")
    durations: list[int]
    default_duration: int
    window_days: int = Field(description="How many days ahead guests may book")
    require_login: bool = Field(description="Whether guests confirm their email with a code before booking")
    description: str
    questions: list[QuestionOut] = Field(description="The booking form, in order")


class UtmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(default=None, max_length=100)
    medium: str | None = Field(default=None, max_length=100)
    campaign: str | None = Field(default=None, max_length=100)
    term: str | None = Field(default=None, max_length=100)
    content: str | None = Field(default=None, max_length=100)


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: IsoTime = Field(description="A slot's start, ISO 8601 with offset")
    duration: Minutes | None = Field(default=None, description="Minutes; the agent's default if omitted")
    # Lengths are checked by the booking service, with the same message as on the pages.
    subject: str = ""
    name: str
    email: str
    time_zone: str = Field(default="UTC", max_length=100, description="The guest's IANA time zone")
    language: Literal["en", "de", "fr", "it", "es"] | None = Field(
        default=None, description="The guest's language for mails; from Accept-Language when omitted")
    answers: dict[Annotated[str, Field(max_length=20)], Any] = Field(
        default={}, description="The booking form's answers by question id: text (short, long, phone, single choice: "
                                "the option's text), a list of option texts (multiple choice), true/false (checkbox)")
    utm: UtmIn | None = Field(default=None, description="Campaign tags of the page the guest came from")
    hold_token: str | None = Field(default=None, max_length=100,
                                   description="From POST .../holds: books the time held for this guest")


class BookingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: IsoTime | None = Field(default=None, description="The new start, ISO 8601 with offset")
    duration: Minutes | None = None
    subject: str | None = None


class MeetingOut(MeetingObject):
    """The meeting object, with the guest's secret link to change or delete it."""

    manage_token: str
    manage_url: str


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown agent or booking"},
    409: {"model": ErrorBody, "description": "slot_taken, duration_overlaps_busy_time"},
    422: {"model": ErrorBody, "description": "invalid_input (each field's problem in `fields`), invalid_json, "
                                             "nothing_to_change, or a time that breaks the agent's rules"},
    429: {"model": ErrorBody, "description": "Rate-limited"},
}


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None,
                   headers=None, *, language: str = i18n.DEFAULT) -> JSONResponse:
    """The error as JSON: `message` and each field's message in `language` (the asker's Accept-Language);
    the `code` is the same in every language."""
    said = {field: i18n.say(language, text) for field, text in (fields or {}).items()}
    return JSONResponse({"code": code, "message": i18n.say(language, message), "fields": said}, status_code=status,
                        headers=headers)


def language_of(request: Request) -> str:
    """The language the asker reads, from their Accept-Language (English when none of ours)."""
    return i18n.from_accept_language(request.headers.get("accept-language", ""))


def kite_error_response(exc: KiteError, language: str = i18n.DEFAULT) -> JSONResponse:
    said = partial(error_response, language=language)
    if isinstance(exc, CalendarUnavailable):
        return said(503, exc.code, exc.message, headers={"Retry-After": "60"})
    if isinstance(exc, SlotTaken):
        return said(409, exc.code, exc.message)
    if isinstance(exc, (LinkUsed, LinkExpired)):
        return said(410, exc.code, exc.message)
    if isinstance(exc, SlotUnavailable):
        return said(422, exc.code, exc.message)
    if isinstance(exc, ValidationError):
        return said(422, "invalid_input", i18n.error_message(language, exc), exc.errors)
    if isinstance(exc, NotFound):
        return said(404, "not_found", exc.message)
    if isinstance(exc, TooManyAttempts):
        return said(429, "rate_limited", exc.message, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, LoginRequired):
        return said(403, "login_required", exc.message)
    if isinstance(exc, PermissionDenied):
        return said(403, "forbidden", exc.message)
    if isinstance(exc, Unauthenticated):
        return said(401, "unauthorized", exc.message, headers={"WWW-Authenticate": 'Bearer realm="kite"'})
    return said(400, "bad_request", exc.message)


ISO_TIME = msg("Give the time as an ISO 8601 string with its UTC offset, like 2026-12-01T09:00:00+01:00.")
WHOLE_NUMBER = msg("Give a whole number, like 30.")
# What each field error of the request's shape says, in the asker's language (pydantic's own words are English).
FIELD_MESSAGES = {
    "missing": msg("This field is required."),
    "extra_forbidden": msg("This field is not known here."),
    "iso_datetime": ISO_TIME, "datetime_type": ISO_TIME, "datetime_parsing": ISO_TIME,
    "datetime_from_date_parsing": ISO_TIME, "date_parsing": msg("Give a date like 2026-12-01."),
    "int_type": WHOLE_NUMBER, "int_parsing": WHOLE_NUMBER, "int_from_float": WHOLE_NUMBER,
    "string_type": msg("Give a text (a JSON string)."),
    "bool_type": msg("Give true or false."),
}


def _field_message(err: dict) -> str:
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    if kind == "literal_error":
        choices = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")  # "'en', 'de' or 'fr'"
        return msg("Choose one of: {choices}.", choices=choices)
    if kind in ("greater_than_equal", "greater_than"):
        return msg("Give a number of at least {count}.", count=ctx.get("ge", ctx.get("gt", "")))
    if kind in ("less_than_equal", "less_than"):
        return msg("Give a number of at most {count}.", count=ctx.get("le", ctx.get("lt", "")))
    if kind == "string_too_long":
        return msg("Use at most {count} characters.", count=ctx.get("max_length", ""))
    return FIELD_MESSAGES.get(kind, msg("This value is not valid."))


def validation_error_response(exc: RequestValidationError, language: str = i18n.DEFAULT) -> JSONResponse:
    """The request's shape is wrong: a body that is not JSON (or not an object) is said of the body; otherwise
    each field's problem, next to its name, in the asker's language."""
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return error_response(422, "invalid_json", msg("The request body is not valid JSON."), language=language)
    if any(err.get("type") in ("model_attributes_type", "dict_type") and list(err.get("loc", ())) == ["body"]
           for err in errors):
        return error_response(422, "invalid_input", msg("Send the fields as one JSON object."), language=language)
    fields = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        fields[".".join(loc) or "request"] = _field_message(err)
    return error_response(422, "invalid_input", msg("Some values are missing or invalid."), fields,
                          language=language)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _manage_url(token: str) -> str:
    return routes.manage_url(settings.public_url, token)


def _json(body: dict[str, Any], status: int = 200) -> Response:
    """`body` as JSON, encoded as it is: the endpoint's `response_model` documents it, and returning the
    response spares FastAPI's second pass over that model (for a sync endpoint, on another thread)."""
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _out(view: MeetingView, status: int = 200) -> Response:
    """MeetingOut, straight from the view (its fields are already strings and numbers)."""
    return _json({**meeting_object(view, for_guest=True), "manage_token": view["manage_token"],
                  "manage_url": _manage_url(view["manage_token"])}, status)


def _moment(text: str, zone: ZoneInfo, field: str) -> datetime:
    """A date (midnight in `zone`) or an ISO datetime with offset."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {field: msg("Use a date (2026-12-01) or a date-time with offset (2026-12-01T09:00:00Z).")}) from None
    if moment.tzinfo is None:
        raise ValidationError({field: msg("Give the time with its UTC offset, e.g. 2026-12-01T09:00:00Z.")})
    return moment


def _range(start: str | None, end: str | None, tz: str) -> tuple[datetime, datetime, datetime]:
    """The asked range [start, end) and now, checked."""
    if time_zone_error(tz):
        raise ValidationError({"tz": msg("Choose a time zone from the list, e.g. Europe/Berlin.")})
    zone = ZoneInfo(tz)
    now = datetime.now(UTC)
    lo = _moment(start, zone, "start") if start else now
    hi = _moment(end, zone, "end") if end else lo + timedelta(days=7)
    if hi <= lo:
        raise ValidationError({"end": msg("The end must be after the start.")})
    if hi - lo > timedelta(days=MAX_RANGE_DAYS + 1):
        raise ValidationError({"end": msg("Ask for at most {count} days at a time.", count=MAX_RANGE_DAYS)})
    return lo, hi, now


START = Annotated[str | None, Query(max_length=40, description="Date or date-time; default: now")]
END = Annotated[str | None, Query(max_length=40, description="Date or date-time; default: start + 7 days")]
DURATION = Annotated[int | None, Query(ge=1, le=1440)]
TZ = Annotated[str, Query(max_length=100, description="The guest's IANA time zone")]


@router.get("/agents/{slug}/slots", response_model=SlotsOut, responses=ERRORS)
def get_slots(slug: Annotated[str, Path(max_length=100)], start: START = None, end: END = None,
              duration: DURATION = None, tz: TZ = "UTC"):
    """Free slots of an agent that start in [start, end), labelled in the guest's time zone."""
    lo, hi, now = _range(start, end, tz)
    page, slots = availability.page_and_slots(slug, start=lo, end=hi, duration=duration, guest_zone=tz, now=now)
    return _slots_response(page["agent_name"], tz, duration or page["default_duration"], slots)


def _slots_response(agent: str, tz: str, duration: int, slots: list[availability.Slot]) -> Response:
    """SlotsOut, encoded straight from the slots (already strings): a month is hundreds of them, and
    validating each as a model again costs more than computing it."""
    return _json({"agent": agent, "time_zone": tz, "duration": duration, "slots": slots})


@router.get("/teams/{slug}/slots", response_model=SlotsOut, responses=ERRORS)
def get_team_slots(slug: Annotated[str, Path(max_length=100)], start: START = None, end: END = None,
                   duration: DURATION = None, tz: TZ = "UTC"):
    """Free slots of a team that start in [start, end): round robin, when at least one member is free;
    collective, when every member is. `agent` is the team's name."""
    lo, hi, now = _range(start, end, tz)
    page = teams.team_page(slug)
    slots = teams.team_slots(slug, start=lo, end=hi, duration=duration, guest_zone=tz, now=now)
    return _slots_response(page["agent_name"], tz, duration or page["default_duration"], slots)


def _page(info: availability.BookingPageInfo, questions: list, request: Request) -> Response:
    shown = booking_form.for_guest(questions, language_of(request))
    return _json({"name": info["agent_name"], "time_zone": info["agent_time_zone"], "durations": info["durations"],
                  "default_duration": info["default_duration"], "window_days": info["window_days"],
                  "require_login": info["require_login"], "description": info["description"],
                  "questions": [asdict(q) for q in shown]})


@router.get("/agents/{slug}", response_model=PageOut, responses=ERRORS)
def agent_page(slug: Annotated[str, Path(max_length=100)], request: Request):
    """What the agent's booking page shows before a time is chosen, and its form's questions in the asker's
    language (Accept-Language)."""
    info = availability.booking_page(slug)
    return _page(info, booking_form.questions_on_page(slug), request)


@router.get("/teams/{slug}", response_model=PageOut, responses=ERRORS)
def team_page(slug: Annotated[str, Path(max_length=100)], request: Request):
    """Like GET /agents/{slug}, for a team's page."""
    info = teams.team_page(slug)
    return _page(info, booking_form.questions_on_page(slug, team=True), request)


@router.get("/agents/{slug}/photo", response_class=Response, responses=ERRORS)
def agent_photo(slug: Annotated[str, Path(max_length=100)]):
    """The photo on the agent's booking page (PNG, JPEG or WebP); 404 when they show their initials."""
    content_type, data = accounts.agent_photo(slug)
    return Response(data, media_type=content_type, headers={"Cache-Control": "public, max-age=86400"})


@router.post("/agents/{slug}/bookings", response_model=MeetingOut, status_code=201, responses=ERRORS)
def create_booking(
    slug: Annotated[str, Path(max_length=100)], body: BookingIn, request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
):
    """Book a slot. A retried request with the same Idempotency-Key returns the first booking."""
    return _out(booking.book(_request(slug, body, request, idempotency_key), now=datetime.now(UTC)), 201)


def _request(slug: str, body: BookingIn, request: Request, idempotency_key: str | None) -> BookingRequest:
    language = body.language or i18n.from_accept_language(request.headers.get("accept-language", ""))
    return BookingRequest(slug=slug, start=body.start, duration=body.duration, subject=body.subject,
                          guest_name=body.name, guest_email=body.email, guest_time_zone=body.time_zone,
                          idempotency_key=idempotency_key, client=_client(request), language=language,
                          locale_tag=i18n.first_tag(request.headers.get("accept-language", "")),
                          answers=body.answers, utm=body.utm.model_dump(exclude_none=True) if body.utm else {},
                          holder=token_hash(body.hold_token) if body.hold_token else None)


@router.post("/teams/{slug}/bookings", response_model=MeetingOut, status_code=201, responses=ERRORS)
def create_team_booking(
    slug: Annotated[str, Path(max_length=100)], body: BookingIn, request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
):
    """Book a slot on a team's page. Round robin: the meeting goes to one free member (`agent_slug`), chosen
    as README "Teams" says. A retried request with the same Idempotency-Key returns the first booking."""
    return _out(teams.book_team(_request(slug, body, request, idempotency_key), now=datetime.now(UTC)), 201)


@router.get("/bookings/{token}", response_model=MeetingOut, responses=ERRORS)
def read_booking(token: Annotated[str, Path(max_length=100)], request: Request):
    return _out(meeting_views.get(token, now=datetime.now(UTC), client=_client(request)))


@router.get("/bookings/{token}/meeting.ics", response_class=Response, responses=ERRORS)
def booking_calendar_file(token: Annotated[str, Path(max_length=100)], request: Request):
    """The meeting as an .ics file (METHOD:PUBLISH) for the guest's calendar: "Add to calendar"."""
    ics = meeting_views.calendar_file(token, now=datetime.now(UTC), client=_client(request))
    return Response(ics, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="meeting.ics"', "Cache-Control": "no-store"})


@router.patch("/bookings/{token}", response_model=MeetingOut, responses=ERRORS)
def change_booking(token: Annotated[str, Path(max_length=100)], body: BookingPatch, request: Request):
    """Reschedule, change the duration or the subject; new times pass the same checks as booking. A body that
    names nothing to change is refused (`nothing_to_change`)."""
    if body.start is None and body.duration is None and body.subject is None:
        return error_response(422, "nothing_to_change", msg("Give a new start, duration or subject to change."),
                              language=language_of(request))
    return _out(meeting_changes.change(token, now=datetime.now(UTC), start=body.start, duration=body.duration,
                               subject=body.subject, client=_client(request)))


@router.delete("/bookings/{token}", response_model=MeetingOut, responses=ERRORS)
def delete_booking(token: Annotated[str, Path(max_length=100)], request: Request,
                   reason: Annotated[str, Query(max_length=meeting_changes.MAX_REASON)] = ""):
    """Delete the meeting; its time is offered again at once. `reason` is told to the agent."""
    return _out(meeting_changes.cancel(token, now=datetime.now(UTC), client=_client(request), reason=reason))
