"""What a booking page books with: an agent's page (`/book/<slug>`), a team's (`/team/<slug>`) or a one-time link's
(`/once/<token>`, which books the agent's or team's page once); and the time this browser holds there while the
guest fills in their details (kite_app/services/holds.py). Mixed into the booking page's state."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import reflex as rx

from kite_app import cookies
from kite_app.domain.errors import LinkExpired, LinkUsed
from kite_app.domain.tokens import new_token, token_hash
from kite_app.services import availability, booking, holds, one_time_links, teams
from kite_app.services.availability import BookingPageInfo, Slot
from kite_app.services.booking import BookingRequest
from kite_app.services.meeting_views import MeetingView


class BookingTarget(rx.State, mixin=True):
    one_time: bool = False  # a one-time link's page: no "My meetings", the link's own duration
    public_page: str = ""  # a used or expired link's page offers the agent's or team's own page
    _page_slug: str = ""  # the agent's or team's slug (a one-time link's page resolved)
    _page_team: bool = False
    _fixed: int | None = None  # a one-time link's own duration

    def _route_slug(self) -> str:
        return self.router.page.params.get("slug", "")

    def _team(self) -> bool:
        """Whether the page books with a team (a team's page, or a one-time link to one)."""
        return self._page_team if self.one_time else self.router.page.path.startswith("/team/")

    def _slug(self) -> str:
        return self._page_slug if self.one_time else self._route_slug()

    def _page_info(self, client: str, now: datetime) -> BookingPageInfo:
        """Who the page books with; NotFound, LinkUsed or LinkExpired say why it cannot (a used or expired
        link's page then offers the public page)."""
        self.one_time = self.router.page.path.startswith("/once/")
        self.public_page, self._fixed = "", None
        if not self.one_time:
            return (teams.team_page if self._team() else availability.booking_page)(self._slug())
        try:
            target, info = one_time_links.page(self._route_slug(), now=now, client=client)
        except (LinkUsed, LinkExpired):
            self.public_page = one_time_links.public_page(self._route_slug())
            raise
        self._page_slug, self._page_team, self._fixed = target.slug, target.team, target.duration
        return info

    def _holder_secret(self) -> str:
        """This browser's hold cookie (made at its first hold)."""
        secret = self._cookie(cookies.HOLDER)
        if not secret:
            secret = new_token()
            self._set_cookie(cookies.HOLDER, secret)
        return secret

    def _holder(self) -> str | None:
        secret = self._cookie(cookies.HOLDER)
        return token_hash(secret) if secret else None

    def _find_slots(self, *, start: datetime, end: datetime, duration: int, guest_zone: str, now: datetime,
                    locale: str, client: str) -> list[Slot]:
        """The page's free times; this browser's own held time among them."""
        if self.one_time:
            found = one_time_links.target(self._route_slug(), now=now, client=client)  # still usable?
            return one_time_links.slots(found, start=start, end=end, duration=duration, guest_zone=guest_zone,
                                        now=now, locale=locale, holder=self._holder())
        find = teams.team_slots if self._team() else availability.slots_for
        return find(self._slug(), start=start, end=end, duration=duration, guest_zone=guest_zone, now=now,
                    locale=locale, holder=self._holder())

    def _hold(self, start: str, duration: int, client: str, now: datetime) -> None:
        """Hold the chosen time for this browser (SlotTaken when another guest has it, TooManyAttempts)."""
        holds.hold(self._slug(), team=self._team(), start=datetime.fromisoformat(start), duration=duration,
                   secret=self._holder_secret(), client=client, now=now, fixed_duration=self._fixed)

    def _release(self) -> None:
        secret = self._cookie(cookies.HOLDER)
        if secret:
            holds.release(secret)

    def _book(self, req: BookingRequest, now: datetime) -> MeetingView:
        """Book the page's time (a one-time link's: the link is used up by it), as the holder of its hold."""
        secret = self._cookie(cookies.HOLDER)
        req = replace(req, holder=token_hash(secret) if secret else None)
        if self.one_time:
            return one_time_links.book(self._route_slug(), req, now=now)
        return (teams.book_team if self._team() else booking.book)(req, now=now)
