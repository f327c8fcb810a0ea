"""The public booking page `/book/<agent slug>` and `/team/<team slug>`: the agent beside a month calendar
and the chosen day's free times; then the guest's details; then the confirmation. "My meetings" lists and
deletes this guest's meetings. Its state is kite_app/ui/pages/booking_state.py."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.services.meeting_views import MeetingView
from kite_app.ui.components.avatar import avatar
from kite_app.ui.components.delete_dialog import delete_dialog
from kite_app.ui.components.forms import (
    BROWSER_LANGUAGE,
    BROWSER_TIME_ZONE,
    IN_ANOTHER_SITE,
    field,
    form_alert,
    form_notice,
)
from kite_app.ui.components.join_link import join_link
from kite_app.ui.components.links import file_link
from kite_app.ui.components.question_fields import question_fields
from kite_app.ui.components.slot_picker import slot_picker
from kite_app.ui.i18n import N_, language_switcher, t
from kite_app.ui.layout import loading, template
from kite_app.ui.pages.booking_state import BookingState

# ---- the side panel: who, how long, which zone ----

def _who() -> rx.Component:
    return rx.vstack(
        avatar(BookingState.photo, BookingState.initials, BookingState.agent_name),
        rx.heading(rx.cond(BookingState.team_page, t("{name} team", name=BookingState.agent_name),
                           BookingState.agent_name), size="6", as_="h1"),
        rx.cond(BookingState.description != "", rx.text(BookingState.description, size="2", color_scheme="gray")),
        spacing="2",
    )


def _durations() -> rx.Component:
    return rx.cond(
        BookingState.durations.length() > 1,
        rx.el.div(
            rx.text(t("Duration"), weight="medium", size="2", id="duration-label"),
            rx.flex(
                rx.foreach(BookingState.durations, lambda d: rx.button(
                    rx.icon("clock", size=14), t("{n} min", n=d),
                    variant=rx.cond(d == BookingState.duration, "solid", "outline"),
                    aria_pressed=rx.cond(d == BookingState.duration, "true", "false"),
                    on_click=BookingState.set_duration(d), type="button", size="2")),
                wrap="wrap", spacing="2", role="group", aria_labelledby="duration-label",
            ),
            class_name="kite-field",
        ),
        rx.hstack(rx.icon("clock", size=16), rx.text(t("{n} min", n=BookingState.duration), size="2"), align="center"),
    )


def _zone_row(z: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.popover.close(rx.el.button(
            rx.el.span(rx.el.strong(z["city"]), " · ", z["place"], class_name="kite-zone-name"),
            rx.el.span(z["offset"] + " · " + z["time"], class_name="kite-zone-meta"),
            type="button",
            class_name="kite-zone-option",
            aria_current=rx.cond(z["id"] == BookingState.time_zone, "true", None),
            aria_label=t("{city}, {place} ({zone}), {offset}, now {time}", city=z["city"], place=z["place"],
                         zone=z["id"], offset=z["offset"], time=z["time"]),
            on_click=BookingState.set_time_zone(z["id"]),
        )),
    )


def zone_picker() -> rx.Component:
    """The guest's time zone, shown with its offset and local time; a search by city, country or offset."""
    z = BookingState.zone
    return rx.el.div(
        rx.text(t("Time zone"), weight="medium", size="2", id="tz-label"),
        rx.popover.root(
            rx.popover.trigger(rx.button(
                rx.icon("globe", size=16),
                rx.el.span(rx.el.span(z["id"], class_name="kite-ellipsis"),
                           rx.el.span(z["offset"] + " · " + z["time"], class_name="kite-zone-meta"),
                           class_name="kite-zone-current"),
                rx.icon("chevron-down", size=14),
                variant="outline", color_scheme="gray", size="2", type="button", id="tz-button",
                aria_labelledby="tz-label tz-button", class_name="kite-zone-button",
            )),
            rx.popover.content(
                rx.vstack(
                    rx.input(placeholder=t("City, country or UTC+1"), value=BookingState.zone_query,
                             on_change=BookingState.search_zones.debounce(150), aria_label=t("Search time zones"),
                             auto_focus=True, width="100%"),
                    rx.cond(
                        BookingState.zone_results.length() > 0,
                        rx.el.ul(rx.foreach(BookingState.zone_results, _zone_row), class_name="kite-zone-list",
                                 aria_label=t("Time zones")),
                        rx.text(t("No time zone matches. Try a city or a country."), size="2", color_scheme="gray"),
                    ),
                    spacing="2",
                    width="100%",
                ),
                width="min(26rem, 92vw)",
                aria_label=t("Choose your time zone"),
            ),
            on_open_change=BookingState.zone_picker,
        ),
        class_name="kite-field",
    )


def _side() -> rx.Component:
    return rx.vstack(
        _who(),
        rx.cond(
            BookingState.step == "done",
            _summary(BookingState.confirmation),  # the booked meeting, no longer choices
            rx.fragment(
                _durations(),
                zone_picker(),
                rx.cond(BookingState.require_login, rx.callout(
                    t("{name} asks guests to confirm their email: you will get a 6-digit code when you enter your "
                      "details.", name=BookingState.agent_name), icon="mail", color_scheme="blue", size="1")),
            ),
        ),
        rx.cond(~BookingState.one_time, rx.button(rx.icon("calendar-days", size=16), t("My meetings"), variant="ghost",
                                                  size="2", on_click=BookingState.show_mine, type="button")),
        language_switcher(BookingState.choose_language),
        spacing="4",
        class_name="kite-side",
    )


# ---- the main panel, one step at a time ----

def _steps() -> rx.Component:
    def step(n: str, label: rx.Var, active: rx.Var) -> rx.Component:
        return rx.el.li(rx.el.span(n, class_name="kite-step-number"), label,
                        aria_current=rx.cond(active, "step", None), class_name="kite-step")
    return rx.el.ol(
        step("1", t("Time"), BookingState.step == "pick"),
        step("2", t("Details"), BookingState.step == "details"),
        step("3", t("Done"), BookingState.step == "done"),
        aria_label=t("Steps"), class_name="kite-steps",
    )


def _pick() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Schedule a meeting"), size="5", as_="h2"),
        form_alert(BookingState.message),
        slot_picker(state=BookingState, slot=BookingState.slot, on_slot=BookingState.choose_time,
                    error=BookingState.errors.get("slot", "")),
        spacing="4",
        width="100%",
    )


def _summary(c: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon("calendar", size=16), rx.text(c["date"], weight="bold"), align="center"),
        rx.hstack(rx.icon("clock", size=16), rx.text(c["time"] + " · " + c["duration"]), align="center"),
        rx.hstack(rx.icon("globe", size=16), rx.text(c["zone"]), align="center"),
        spacing="1",
    )


def _code_step() -> rx.Component:
    """For agents who ask guests to confirm their email: the code, sent to the Email above."""
    return rx.cond(
        BookingState.require_login & (BookingState.verified_email == ""),
        rx.vstack(
            rx.hstack(
                rx.button(rx.cond(BookingState.code_sent, t("Send a new code"), t("Send code")), type="button",
                          variant="soft", on_click=BookingState.send_code),
                rx.text(t("We email you a 6-digit code to confirm your email."), size="2", color_scheme="gray"),
                align="center", wrap="wrap",
            ),
            rx.cond(BookingState.code_sent, rx.box(
                field(t("Code"), "code", form_id="book", value=BookingState.code, on_change=BookingState.set_code,
                      error=BookingState.errors.get("code", ""), input_mode="numeric", auto_complete="one-time-code",
                      max_length=6, pattern="[0-9]*"),
                max_width="12rem",
            ), rx.text(BookingState.errors.get("code", ""), color_scheme="red", size="2")),
            spacing="2",
            width="100%",
        ),
    )


def _details() -> rx.Component:
    e = BookingState.errors
    return rx.vstack(
        rx.heading(t("Your details"), size="5", as_="h2"),
        rx.card(rx.hstack(_summary(BookingState.chosen), rx.spacer(),
                          rx.button(t("Change"), variant="soft", size="2", type="button",
                                    aria_label=t("Change the time"), on_click=BookingState.back_to_times),
                          align="start", width="100%"), width="100%"),
        form_alert(BookingState.message),
        form_notice(BookingState.notice),
        rx.grid(
            field(t("Your name"), "guest_name", form_id="book", value=BookingState.guest_name,
                  on_change=BookingState.set_guest_name, error=e.get("guest_name", ""), auto_complete="name"),
            field(t("Email"), "guest_email", type="email", form_id="book", value=BookingState.guest_email,
                  on_change=BookingState.set_guest_email, error=e.get("guest_email", ""), auto_complete="email",
                  read_only=BookingState.verified_email != ""),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.cond(BookingState.verified_email != "",
                rx.text(t("Logged in as {email}.", email=BookingState.verified_email), size="2", color_scheme="gray")),
        field(t("Subject"), "subject", form_id="book", value=BookingState.subject, on_change=BookingState.set_subject,
              error=e.get("subject", ""), max_length=200, placeholder=t("Optional")),
        question_fields(BookingState),
        _code_step(),
        rx.hstack(
            rx.button(t("Schedule"), size="3", on_click=BookingState.schedule, type="button"),
            rx.button(t("Back"), size="3", variant="soft", color_scheme="gray", on_click=BookingState.back_to_times,
                      type="button"),
            spacing="2",
        ),
        spacing="4",
        width="100%",
    )


def _done() -> rx.Component:
    c = BookingState.confirmation
    return rx.vstack(
        rx.hstack(rx.icon("circle-check", color="var(--green-11)", size=28),
                  rx.heading(t("Your meeting is scheduled"), size="5", as_="h2"), align="center"),
        rx.vstack(
            rx.text(c["date"], size="4", weight="bold"),
            rx.text(c["time"] + " (" + c["zone"] + ")", size="4"),
            rx.text(t("With {name}", name=c["agent"])),
            rx.cond(c["subject"] != "", rx.text(t("Subject: {subject}", subject=c["subject"]))),
            spacing="1",
        ),
        rx.text(t("We sent a confirmation to {email}. {name} will confirm the meeting.", email=c["email"],
                  name=c["agent"])),
        join_link(c["join"], label=t("Join the meeting")),
        rx.cond(c["join_later"] != "", rx.text(t("The Google Meet link comes by mail as soon as it is ready."),
                                                size="2")),
        rx.el.div(
            rx.text(t("Add to calendar"), weight="medium", size="2", id="add-label"),
            rx.flex(
                rx.link(rx.icon("external-link", size=14), "Google Calendar", href=c["google"], is_external=True,
                        class_name="kite-chip"),
                rx.link(rx.icon("external-link", size=14), "Outlook.com", href=c["outlook"], is_external=True,
                        class_name="kite-chip"),
                file_link(rx.icon("download", size=14), t("Download .ics"), href=c["ics"], download="meeting.ics",
                          class_name="kite-chip"),
                spacing="2", wrap="wrap", role="group", aria_labelledby="add-label",
            ),
            class_name="kite-field",
        ),
        rx.text(t("Keep this link to change or delete the meeting and to write to {name}:", name=c["agent"]),
                size="2", color_scheme="gray"),
        rx.link(t("Manage this meeting"), href=c["manage"]),
        rx.button(t("Book another time"), variant="soft", on_click=BookingState.book_another, type="button"),
        spacing="4",
        width="100%",
        class_name="kite-done",
    )


def _meeting_row(m: rx.Var[MeetingView]) -> rx.Component:
    return rx.el.li(rx.card(
        rx.flex(
            rx.vstack(
                rx.text(m["date_label"], weight="bold"),
                rx.text(m["time_label"]),
                rx.cond(m["subject"] != "", rx.text(m["subject"], color_scheme="gray")),
                rx.badge(rx.cond(m["status"] == "confirmed", t("Confirmed"), t("Pending")),
                         color_scheme=rx.cond(m["status"] == "confirmed", "green", "amber")),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(
                m["manage_token"] != "",
                rx.hstack(
                    rx.link(rx.button(t("Edit"), variant="soft", tab_index=-1,
                                      aria_label=t("Edit meeting on {date}", date=m["date_label"])),
                            href="/manage/" + m["manage_token"]),
                    rx.button(t("Delete"), color_scheme="red", variant="soft",
                              aria_label=t("Delete meeting on {date} {time}", date=m["date_label"],
                                           time=m["time_label"]),
                              on_click=BookingState.ask_delete(m["manage_token"])),
                ),
                rx.text(t("Open the link in your confirmation to change it."), size="1", color_scheme="gray"),
            ),
            align="center", width="100%", spacing="3", wrap="wrap",
        ),
        width="100%",
    ))


def _mine_login() -> rx.Component:
    """Where the page cannot remember this guest's meetings (framed by another site) or they have none here:
    log in with an email code to see every meeting booked with that email."""
    e = BookingState.errors
    return rx.card(rx.vstack(
        rx.cond(BookingState.in_another_site,
                rx.text(t("This browser may not remember your meetings on this site. Log in with your email to "
                          "see them."), size="2"),
                rx.text(t("Meetings booked on another browser? Log in with your email to see them."), size="2")),
        rx.cond(
            BookingState.code_sent,
            rx.hstack(
                field(t("Code"), "login-code", form_id="mine", value=BookingState.code, on_change=BookingState.set_code,
                      error=e.get("code", ""), input_mode="numeric", auto_complete="one-time-code", max_length=6),
                rx.button(t("Log in"), on_click=BookingState.log_in, type="button"),
                align="end", wrap="wrap",
            ),
            rx.hstack(
                field(t("Email"), "login_email", type="email", form_id="mine", value=BookingState.login_email,
                      on_change=BookingState.set_login_email, error=e.get("login_email", ""), auto_complete="email"),
                rx.button(t("Send code"), on_click=BookingState.send_login_code, type="button"),
                align="end", wrap="wrap",
            ),
        ),
        spacing="3", width="100%",
    ), width="100%")


def _mine() -> rx.Component:
    return rx.vstack(
        rx.heading(t("My meetings"), size="5", as_="h2"),
        form_alert(BookingState.message),
        form_notice(BookingState.notice),
        rx.cond(
            BookingState.mine.length() > 0,
            rx.el.ul(rx.foreach(BookingState.mine, _meeting_row), class_name="kite-list", aria_label=t("My meetings"),
                     width="100%"),
            rx.text(t("No upcoming meetings with {name} on this browser.", name=BookingState.agent_name),
                    color_scheme="gray"),
        ),
        rx.cond(BookingState.verified_email == "", _mine_login()),
        rx.button(t("Back"), variant="soft", color_scheme="gray", on_click=BookingState.back, type="button"),
        delete_dialog(is_open=BookingState.deleting != "", on_open_change=BookingState.delete_dialog,
                      reason=BookingState.delete_reason, on_reason=BookingState.set_delete_reason,
                      on_delete=BookingState.delete_mine, error=BookingState.errors.get("reason", ""),
                      told=BookingState.agent_name),
        spacing="3",
        width="100%",
    )


def _scheduler() -> rx.Component:
    return rx.card(
        rx.grid(
            _side(),
            rx.vstack(
                rx.cond(BookingState.step != "mine", _steps()),
                rx.match(BookingState.step, ("details", _details()), ("done", _done()), ("mine", _mine()), _pick()),
                spacing="4", width="100%", min_width="0",
            ),
            columns=rx.breakpoints(initial="1", sm="14rem minmax(0, 1fr)"),
            spacing="6",
            width="100%",
        ),
        size="3",
        width="100%",
        class_name="kite-scheduler",
    )


@template(route=routes.BOOKING, title=N_("Book a meeting"), on_load=BookingState.load)
def booking_page() -> rx.Component:
    return _booking_page()


@template(route=routes.TEAM_BOOKING, title=N_("Book a meeting"), on_load=BookingState.load)
def team_booking_page() -> rx.Component:
    return _booking_page()


@template(route=routes.ONE_TIME, title=N_("Book a meeting"), on_load=BookingState.load)
def one_time_booking_page() -> rx.Component:
    return _booking_page()


def _booking_page() -> rx.Component:
    return rx.box(
        rx.cond(
            BookingState.ready,
            rx.cond(
                BookingState.not_found != "",
                rx.vstack(
                    rx.callout(BookingState.not_found, icon="circle_alert", color_scheme="orange", role="alert",
                               width="100%"),
                    rx.cond(BookingState.public_page != "",
                            rx.link(t("Book on the public booking page instead"), href=BookingState.public_page)),
                    spacing="3", width="100%",
                ),
                _scheduler(),
            ),
            loading(),
        ),
        on_mount=BookingState.detected(BROWSER_TIME_ZONE, BROWSER_LANGUAGE, IN_ANOTHER_SITE),
        width="100%",
        lang=BookingState.language,
    )
