"""Admin "Outbox": every mail the app wrote, sent or waiting (without SMTP they all wait here)."""

from __future__ import annotations

import reflex as rx

from kite_app import routes
from kite_app.config import settings
from kite_app.services import outbox
from kite_app.services.outbox import MailRow
from kite_app.ui.i18n import N_, t
from kite_app.ui.layout import guarded, template
from kite_app.ui.session import ADMINS_ONLY, Page, SessionState


class OutboxState(Page, SessionState):
    mails: list[MailRow] = []
    smtp: str = ""

    def _fill(self, actor) -> None:
        self.mails = [MailRow(**{**m, "state": self._(state)}) for m in outbox.recent(actor) for state in [m["state"]]]
        server = f"{settings.smtp_host}:{settings.smtp_port}"
        self.smtp = (self._("Mail is sent through {server}.").format(server=server)
                     if settings.smtp_host else self._("No SMTP server is configured (KITE_SMTP_HOST): mails are "
                                                       "kept here."))

    @rx.event
    def load(self):
        self.mails = []
        return self._open(self._fill, refusal=ADMINS_ONLY)


def _mail(m: rx.Var[MailRow]) -> rx.Component:
    return rx.el.details(
        rx.el.summary(rx.text.strong(m["subject"]), " — ", t("to {email}", email=m["to"]), " · ", m["created"],
                      " · ", m["state"]),
        rx.text(m["body"], white_space="pre-wrap", size="2", padding="0.5em 1em"),
        class_name="kite-mail",
    )


@template(route=routes.OUTBOX, title=N_("Outbox"), on_load=OutboxState.load)
def outbox_page() -> rx.Component:
    return guarded(
        OutboxState.denied,
        OutboxState.ready,
        rx.vstack(
            rx.heading(t("Outbox"), size="7", as_="h1"),
            rx.text(OutboxState.smtp, color_scheme="gray"),
            rx.cond(OutboxState.mails.length() > 0,
                    rx.vstack(rx.foreach(OutboxState.mails, _mail), width="100%", spacing="2"),
                    rx.text(t("No mails yet."))),
            spacing="4",
            width="100%",
        ),
    )
