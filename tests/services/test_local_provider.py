"""The built-in calendar implements the calendar Protocol that the Google provider implements too."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from kite_app.persistence.db import transaction
from kite_app.persistence.models import BusyBlock
from kite_app.providers.calendar import provider_for
from kite_app.providers.calendar.base import CalendarError, CalendarProvider, EventData
from kite_app.providers.calendar.local import LocalCalendarProvider
from kite_app.services import accounts
from tests.services.test_availability import NOW


def test_local_provider_lifecycle(bob):
    actor, view = bob
    provider: CalendarProvider = LocalCalendarProvider()
    [cal] = provider.list_calendars(view["id"])
    assert provider_for(cal["id"]).__class__ is LocalCalendarProvider
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    event = EventData(uid="meeting-7@kite", title="Meeting with Gus", start=start, end=start + timedelta(minutes=30))

    event_id = provider.create_event(view["id"], cal["id"], event)
    assert provider.create_event(view["id"], cal["id"], event) == event_id  # a retried insert, one event
    assert provider.event_status(view["id"], cal["id"], event_id) == "needsAction"
    window = (start - timedelta(hours=1), start + timedelta(hours=2))
    assert provider.busy(view["id"], [cal["id"]], *window) == [(int(start.timestamp()), int(start.timestamp()) + 1800)]

    moved = EventData(uid=event.uid, title=event.title, start=start + timedelta(hours=1),
                      end=start + timedelta(hours=2), tentative=False)
    provider.update_event(view["id"], cal["id"], event_id, moved)
    assert provider.event_status(view["id"], cal["id"], event_id) == "accepted"
    assert provider.busy(view["id"], [cal["id"]], *window)[0][0] == int(moved.start.timestamp())

    provider.delete_event(view["id"], cal["id"], event_id)
    provider.delete_event(view["id"], cal["id"], event_id)  # already gone counts as done
    assert provider.event_status(view["id"], cal["id"], event_id) == "deleted"
    assert provider.busy(view["id"], [cal["id"]], *window) == []


def test_local_provider_keeps_agents_apart(bob):
    actor, view = bob
    from kite_app.domain.accounts import Actor, Role
    other = accounts.create_agent(Actor(user_id=1, role=Role.ADMIN), name="Carol", email="carol@example.com",
                                  time_zone="UTC", password="a long password", now=NOW)
    provider = LocalCalendarProvider()
    [bobs] = provider.list_calendars(view["id"])
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    event_id = provider.create_event(view["id"], bobs["id"], EventData(uid="x", title="t", start=start,
                                                                        end=start + timedelta(hours=1)))
    with pytest.raises(CalendarError) as refused:
        provider.create_event(other["id"], bobs["id"], EventData(uid="y", title="t", start=start, end=start))
    assert not refused.value.transient  # a calendar of someone else's never becomes writable
    assert provider.busy(other["id"], [bobs["id"]], start - timedelta(days=1), start + timedelta(days=1)) == []
    with transaction() as s, pytest.raises(CalendarError):  # a booking's new event, in its own transaction
        provider.create_event(other["id"], bobs["id"], EventData(uid="z", title="t", start=start, end=start),
                              session=s)
    with transaction() as s:
        fresh = provider.create_event(view["id"], bobs["id"], EventData(uid="w", title="Gus", start=start,
                                                                         end=start + timedelta(hours=1),
                                                                         tentative=True), session=s)
    assert provider.event_status(view["id"], bobs["id"], fresh) == "needsAction"
    provider.delete_event(other["id"], bobs["id"], event_id)
    assert provider.event_status(view["id"], bobs["id"], event_id) == "needsAction"
    with transaction() as s:
        assert sorted(s.exec(select(BusyBlock.uid)).all()) == ["w", "x"]  # nothing of Carol's went in


def test_two_writers_of_one_meeting_event_make_one_event(bob):
    """The booking request and a worker's retry job may write the same meeting's event at once."""
    actor, view = bob
    provider = LocalCalendarProvider()
    [cal] = provider.list_calendars(view["id"])
    for n in range(10):
        start = datetime(2026, 12, 2, 9, tzinfo=UTC) + timedelta(hours=n)
        event = EventData(uid=f"meeting-race-{n}@kite", title="Race", start=start, end=start + timedelta(minutes=30))
        barrier, ids = threading.Barrier(2), []

        def write(barrier=barrier, ids=ids, event=event):
            barrier.wait()
            ids.append(provider.create_event(view["id"], cal["id"], event))

        writers = [threading.Thread(target=write) for _ in range(2)]
        for t in writers:
            t.start()
        for t in writers:
            t.join()
        with transaction(read_only=True) as s:
            blocks = s.exec(select(BusyBlock).where(BusyBlock.uid == event.uid)).all()
        assert len(blocks) == 1 and ids[0] == ids[1] == str(blocks[0].id), (n, len(blocks), ids)
