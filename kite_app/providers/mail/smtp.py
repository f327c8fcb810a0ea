"""Sending one mail over SMTP with the `emails` package."""

from __future__ import annotations

from dataclasses import dataclass

import emails


class MailError(Exception):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "starttls", "ssl" or "none"
    user: str
    password: str
    sender: str
    sender_name: str = "Kite Scheduler"
    timeout: float = 15


def send(cfg: SmtpSettings, *, to: str, subject: str, text: str, html: str, ics: str | None,
         ics_method: str | None, message_id: str | None = None) -> None:
    """Send one mail; MailError when the server refuses it or cannot be reached. A stable `message_id`
    (one per outbox row) lets mail clients recognise a retried mail as the same one."""
    message = emails.html(html=html, text=text, subject=subject, mail_from=(cfg.sender_name, cfg.sender),
                          message_id=message_id)
    if ics:
        message.attach(data=ics.encode(), filename="invite.ics", content_disposition="attachment",
                       mime_type=f"text/calendar; method={ics_method or 'REQUEST'}; charset=utf-8")
    smtp = {"host": cfg.host, "port": cfg.port, "timeout": cfg.timeout, "fail_silently": True}
    if cfg.security == "ssl":
        smtp["ssl"] = True
    elif cfg.security == "starttls":
        smtp["tls"] = True
    if cfg.user:
        smtp["user"], smtp["password"] = cfg.user, cfg.password
    response = message.send(to=to, smtp=smtp)
    if response is None or response.status_code not in (250, 251):
        error = getattr(response, "error", None) or getattr(response, "status_text", None) or "no answer"
        raise MailError(f"SMTP {getattr(response, 'status_code', None)}: {error}"[:500])
