"""A person's own profile: name, time zone and, for agents, the booking link."""

from __future__ import annotations

import reflex as rx

from kite_app import i18n, routes
from kite_app.config import settings
from kite_app.domain.accounts import MAX_DESCRIPTION, MAX_PHOTO_BYTES, initials, name_error, time_zones
from kite_app.domain.meeting_links import personal_link_error
from kite_app.domain.text import msg
from kite_app.services import accounts, calendar_settings
from kite_app.ui.components.avatar import avatar
from kite_app.ui.components.copy_button import copy_button
from kite_app.ui.components.forms import field, field_error, file_upload, form_alert, form_notice, select_field
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import loading, template
from kite_app.ui.pages import api_keys, profile_links
from kite_app.ui.session import Page, SessionState, utcnow


class ProfileState(Page, SessionState):
    name: str = ""
    email: str = ""
    role: str = ""
    time_zone: str = "UTC"
    language_choice: str = "en"  # of their pages and mails (the page speaks it once saved)
    booking_url: str = ""
    embed_snippet: str = ""
    description: str = ""
    video_url: str = ""
    photo: str = ""
    initials: str = ""
    photo_error: str = ""
    photo_notice: str = ""

    def _show(self, profile) -> None:
        self.name, self.email, self.role = profile["name"], profile["email"], profile["role"]
        self.time_zone, self.description = profile["time_zone"], profile["description"]
        self.video_url, self.language_choice = profile["video_url"], profile["language"]
        self.photo = routes.agent_photo_path(profile["slug"], profile["photo_version"]) if profile["slug"] else ""
        self.initials = initials(profile["name"])
        self.booking_url = calendar_settings.booking_link(profile)
        self.embed_snippet = (
            f'<script src="{routes.widget_url(settings.public_url)}" data-agent="{profile["slug"]}" async></script>'
            if self.booking_url else ""
        )

    @rx.event
    def load(self):
        return self._open(lambda actor: self._show(accounts.own_profile(actor)))

    @rx.event
    def recheck(self, key: str, value: str):
        """A field of the profile changed: its mark goes once it is right."""
        checks = {"name": name_error, "video_url": personal_link_error}
        if key in checks:
            self._recheck_field(key, checks[key](value))

    @rx.event
    def set_time_zone(self, tz: str):
        self.time_zone = tz

    @rx.event
    def set_language_choice(self, language: str):
        if language in i18n.LANGUAGES:
            self.language_choice = language

    @rx.event
    def save(self, form: dict):
        agent = self.role == "agent"
        profile = self._attempt(lambda actor: accounts.update_own_profile(
            actor, name=form.get("name", ""), time_zone=form.get("time_zone", ""),
            description=form.get("description", "") if agent else None,
            video_url=form.get("video_url", "") if agent else None, language=form.get("language") or None,
            now=utcnow()), msg("Profile saved."))
        if profile is not None:
            self._speak(profile["language"])
            self.notice = self._("Profile saved.")  # in the language just chosen
            self._show(profile)
            self.user_name = profile["name"]

    @rx.event
    async def upload_photo(self, files: list[rx.UploadFile]):
        self.photo_error = ""
        if files:
            data = await files[0].read(MAX_PHOTO_BYTES + 1)
            self._set_photo(data, msg("Photo saved. Guests see it on your booking page."))

    @rx.event
    def photo_rejected(self, _files: list[dict]):
        """The browser refused the file before sending it (not an image type offered)."""
        self.photo_error, self.photo_notice = self._("Choose a PNG, JPEG or WebP image."), ""

    @rx.event
    def remove_photo(self):
        self._set_photo(None, msg("Photo removed. Guests see your initials."))

    def _set_photo(self, data: bytes | None, notice: str) -> None:
        """Said beside the photo, not in the details form above it."""
        self.photo_error, self.photo_notice = "", ""
        profile = self._attempt(lambda actor: accounts.set_photo(actor, data, now=utcnow()), notice)
        self.photo_error = self.message or next(iter(self.errors.values()), "")
        self.photo_notice, self.message, self.errors, self.notice = self.notice, "", {}, ""
        if profile is not None:
            self._show(profile)


def _booking_link() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Booking link"), size="4", as_="h2"),
            rx.text(t("Share this link so guests can book a meeting with you.")),
            rx.hstack(
                rx.code(ProfileState.booking_url, size="3", id="booking-link"),
                copy_button(t("Copy link"), ProfileState.booking_url, done=t("Booking link copied.")),
                align="center",
                wrap="wrap",
            ),
            rx.text(t("To add a “Schedule a meeting” button to your website, paste this snippet into its HTML:"),
                    size="2"),
            rx.hstack(
                rx.code(ProfileState.embed_snippet, id="embed-snippet", size="2", white_space="pre-wrap"),
                copy_button(t("Copy snippet"), ProfileState.embed_snippet, done=t("Snippet copied.")),
                align="center",
                wrap="wrap",
            ),
            spacing="3",
        ),
        width="100%",
    )


def _photo() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Photo"), size="4", as_="h2"),
            rx.hstack(
                avatar(ProfileState.photo, ProfileState.initials, t("Your photo")),
                rx.vstack(
                    rx.text(t("Guests see it beside your name on your booking page; without one, your initials. "
                            "PNG, JPEG or WebP, up to 2 MB."), size="2", color_scheme="gray"),
                    rx.hstack(
                        file_upload(
                            t("Upload photo"),
                            rx.button(rx.icon("upload", size=14), t("Upload photo"), type="button", variant="soft"),
                            id="photo-upload",
                            accept={"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]},
                            max_files=1, multiple=False, no_drag=True, border="none", padding="0",
                            on_drop=ProfileState.upload_photo(rx.upload_files(upload_id="photo-upload")),
                            on_drop_rejected=ProfileState.photo_rejected,
                        ),
                        rx.cond(ProfileState.photo != "",
                                rx.button(t("Remove photo"), variant="soft", color_scheme="gray",
                                          on_click=ProfileState.remove_photo, type="button")),
                        spacing="2",
                    ),
                    field_error(ProfileState.photo_error, "photo-error"),
                    rx.cond(ProfileState.photo_notice != "",
                            rx.text(ProfileState.photo_notice, size="2", role="status", color_scheme="green")),
                    spacing="2",
                ),
                spacing="4",
                align="center",
            ),
            spacing="3",
        ),
        width="100%",
    )


@template(route=routes.PROFILE, title=N_("Profile"), on_load=ProfileState.load)
def profile_page() -> rx.Component:
    e = ProfileState.errors
    return rx.cond(
        ProfileState.ready,
        rx.vstack(
            rx.heading(t("Profile"), size="7", as_="h1"),
            rx.cond(
                ProfileState.booking_url != "",
                _booking_link(),
                rx.cond(
                    ProfileState.role == "agent",
                    rx.callout(
                        rx.text(t("Your booking link appears here once you save your calendar settings."), " ",
                                rx.link(t("Open Calendar Settings"), href=routes.KITE_SETTINGS)),
                        icon="info",
                    ),
                ),
            ),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading(t("Your details"), size="4", as_="h2"),
                        form_alert(ProfileState.message),
                        form_notice(ProfileState.notice),
                        rx.text(t("Email: "), rx.text.strong(ProfileState.email)),
                        rx.text(t("Role: "), rx.text.strong(rx.cond(ProfileState.role == "admin", t("Admin"),
                                                                    t("Agent")))),
                        field(t("Name"), "name", error=e.get("name", ""), form_id="profile",
                              default_value=ProfileState.name, key=ProfileState.name,
                              on_change=ProfileState.recheck("name").debounce(300)),
                        select_field(
                            t("Time zone"), "time_zone", list(time_zones()), error=e.get("time_zone", ""),
                            form_id="profile", value=ProfileState.time_zone, on_change=ProfileState.set_time_zone,
                        ),
                        select_field(
                            t("Language"), "language", list(i18n.LANGUAGES.items()), error=e.get("language", ""),
                            form_id="profile", value=ProfileState.language_choice,
                            on_change=ProfileState.set_language_choice,
                        ),
                        rx.cond(ProfileState.role == "agent", rx.el.div(
                            rx.el.label(t("Description on your booking page"), html_for="profile-description",
                                        class_name="kite-label"),
                            rx.text_area(id="profile-description", name="description",
                                         default_value=ProfileState.description, key=ProfileState.description,
                                         max_length=MAX_DESCRIPTION, rows="3", aria_describedby="description-error",
                                         placeholder=t("E.g. I help new customers get set up. Ask me anything.")),
                            field_error(e.get("description", ""), "description-error"),
                            class_name="kite-field",
                        )),
                        rx.cond(ProfileState.role == "agent", field(
                            t("Your video link"), "video_url", form_id="profile", error=e.get("video_url", ""),
                            default_value=ProfileState.video_url, key=ProfileState.video_url, type="url",
                            placeholder="https://meet.example.com/your-room", max_length=500,
                            on_change=ProfileState.recheck("video_url").debounce(300),
                        )),
                        rx.button(t("Save"), type="submit", size="3"),
                        spacing="3",
                        width="100%",
                        max_width="30rem",
                    ),
                    on_submit=ProfileState.save,
                    no_validate=True,
                ),
                width="100%",
            ),
            rx.cond(ProfileState.role == "agent", _photo()),
            rx.cond(ProfileState.role == "agent", profile_links.profile_section()),
            rx.cond(ProfileState.role == "agent", api_keys.profile_section()),
            spacing="4",
            width="100%",
        ),
        loading(),
    )
