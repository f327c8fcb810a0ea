"""What an agent is offered and told when changing a meeting or saving settings: their own duration options,
refusals said to them ("your working hours"), and a saved duration guests could never book named."""

import pytest

from kite_app.domain.meeting import SlotUnavailable
from kite_app.services import booking, calendar_settings, meetings
from tests.services.test_availability import valid_form
from tests.services.test_booking import NOW, req


def test_change_duration_offers_the_agents_options_and_the_meetings_own(open_agent):
    actor, _view, _cal = open_agent  # Bob offers 30 and 60 minutes; Monday has a lunch break at 12:00
    booking.book(req(), now=NOW)  # Monday 10:00, 30 minutes
    [mine] = meetings.upcoming(actor, now=NOW)
    assert meetings.duration_options(actor, mine["id"]) == [30, 60]
    meetings.change_duration(actor, mine["id"], 45, now=NOW)  # any length from 15 to 360 may still be given
    assert meetings.duration_options(actor, mine["id"]) == [30, 45, 60]


def test_a_refused_change_speaks_to_the_agent_about_their_own_hours(open_agent):
    actor, _view, _cal = open_agent
    booking.book(req(), now=NOW)
    [mine] = meetings.upcoming(actor, now=NOW)
    with pytest.raises(SlotUnavailable) as refused:
        meetings.change_duration(actor, mine["id"], 360, now=NOW)  # 10:00-16:00 runs into the lunch break
    assert refused.value.code == "outside_hours"
    assert refused.value.message == "This time is outside your working hours."
    assert meetings.upcoming(actor, now=NOW)[0]["duration"] == 30  # nothing changed


def test_a_duration_no_stretch_of_working_hours_can_hold_is_saved_with_a_warning(open_agent):
    actor, _view, cal = open_agent
    lunch = "09:00-12:00, 13:00-17:00"
    view = calendar_settings.save(actor, valid_form(cal, durations="30, 360", hours_1=lunch, hours_3=lunch,
                                                    hours_4=lunch), now=NOW)
    assert view["warning"].startswith("Guests will never be offered 360 minutes"), view["warning"]
    assert calendar_settings.published(actor.user_id).durations == (30, 360)  # saved all the same
    # one 8-hour day holds it: no warning
    assert calendar_settings.save(actor, valid_form(cal, durations="30, 360"), now=NOW)["warning"] == ""
    # touching ranges hold a meeting that runs on from one into the next
    touching = "09:00-12:00, 12:00-17:00"
    assert calendar_settings.save(actor, valid_form(cal, durations="30, 360", hours_1=touching, hours_3=lunch,
                                                    hours_4=lunch), now=NOW)["warning"] == ""
