"""Shapes the API shares: the meeting object (guest API, staff API, webhook payloads) and the error body."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kite_app.domain.webhooks import EVENTS, PING


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}


class Answer(BaseModel):
    id: str = Field(description="The question's id")
    label: str = Field(description="The question as the guest read it when booking")
    value: str | list[str] | bool = Field(description="Text (a phone number as E.164; a single choice's option), "
                                                      "the options chosen, or whether a checkbox was ticked")


class MeetingObject(BaseModel):
    id: int = Field(description="The meeting's id (a collective team meeting has one, its first host's)")
    agent_name: str = Field(description="The host; for a collective team meeting, every host")
    agent_slug: str = Field(description="The (first) host's booking address")
    hosts: list[str] = Field(description="The agents hosting the meeting (their slugs); one but for collective teams")
    team: str = Field(description="The slug of the team whose page it was booked on; empty for an agent's page")
    subject: str
    guest_name: str
    guest_email: str
    time_zone: str = Field(description="The guest's IANA time zone")
    start: str = Field(description="ISO 8601, UTC")
    end: str = Field(description="ISO 8601, UTC")
    duration: int = Field(description="Minutes")
    status: str = Field(description="pending (awaiting the agent's Yes), confirmed or cancelled")
    date_label: str = Field(description="The date in the guest's zone and language")
    time_label: str = Field(description="The time in the guest's zone")
    meeting_url: str = Field(description="Where the meeting takes place (its video link); empty for none, or "
                                         "while a Google Meet conference is being set up")
    language: str = Field(description="The guest's language: their mails and notices")
    created_at: str = Field(description="When it was booked, ISO 8601 UTC")
    updated_at: str = Field(description="When it last changed, ISO 8601 UTC")
    cancelled_by: str = Field(description="guest or agent, once deleted or declined; empty otherwise")
    cancel_reason: str = Field(description="The reason given when it was deleted; may be empty")
    answers: list[Answer] = Field(default=[], description="The booking form's answers, each with the question as "
                                                          "the guest read it (the guest API leaves out private ones)")
    utm: dict[str, str] = Field(default={}, description="The campaign tags of the page it was booked from: source, "
                                                        "medium, campaign, term, content (each when given)")


class Previous(BaseModel):
    """What a change replaced: the old time, duration and subject (meeting.rescheduled, meeting.changed) or the
    old host (meeting.reassigned)."""

    id: int | None = Field(default=None, description="meeting.reassigned: the meeting's id before (it has a new one)")
    start: str | None = None
    end: str | None = None
    duration: int | None = None
    subject: str | None = None
    agent_slug: str | None = None
    agent_name: str | None = None


class WebhookData(MeetingObject):
    previous: Previous | None = Field(default=None, description="In meeting.rescheduled, meeting.changed and "
                                                               "meeting.reassigned")


class WebhookPayload(BaseModel):
    type: str = Field(description="One of: " + ", ".join((*EVENTS, PING)))
    timestamp: str = Field(description="When the event happened, ISO 8601 UTC")
    data: WebhookData
