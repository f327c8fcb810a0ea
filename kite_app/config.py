"""Settings from environment variables, in one place. Each one is documented in README.md."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK = ("localhost", "127.0.0.1", "::1")
_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    # Database: SQLite file by default; any SQLAlchemy URL (PostgreSQL in production).
    database_url: str = Field(
        default="sqlite:///kite.db",
        validation_alias=AliasChoices("DATABASE_URL", "REFLEX_DB_URL", "KITE_DATABASE_URL"),
    )
    # Reflex's state store shared by several backend workers (production mode), e.g.
    # redis://127.0.0.1:6379. Rate limits are kept there too, so they hold across workers.
    redis_url: str = Field(default="", validation_alias="REFLEX_REDIS_URL")
    # Backend worker processes. More than one needs REFLEX_REDIS_URL. Default: 1 without Redis,
    # one per CPU with it.
    workers: int | None = Field(default=None, ge=1, le=64, validation_alias="KITE_WORKERS")
    # Threads per worker that run the REST API's requests. The interpreter runs one thread at a time:
    # two keep it busy while one waits on the database, and each request gets it back quickly; the
    # other requests wait their turn in the worker's event loop (measured: bench/booking_load.py).
    request_threads: int = Field(default=2, ge=1, le=200, validation_alias="KITE_REQUEST_THREADS")
    # Public address of the app, used to build booking links shown to agents.
    public_url: str = Field(default="http://localhost:3000", validation_alias="KITE_PUBLIC_URL")
    # How long a login session lasts, in hours (absolute, not sliding).
    session_hours: int = Field(default=24 * 14, ge=1, validation_alias="KITE_SESSION_HOURS")
    # Failed logins allowed for one email within the throttle window before it is locked.
    login_max_failures: int = Field(default=5, ge=1, validation_alias="KITE_LOGIN_MAX_FAILURES")
    # The throttle window and lock duration, in minutes.
    login_lock_minutes: int = Field(default=15, ge=1, validation_alias="KITE_LOGIN_LOCK_MINUTES")
    # Bookings (and changes) one client address may make per minute, through the page or the API.
    booking_rate_per_minute: int = Field(default=20, ge=1, validation_alias="KITE_BOOKING_RATE_PER_MINUTE")
    # Login codes one client address or email may request per 10 minutes.
    code_rate_per_10_minutes: int = Field(default=5, ge=1, validation_alias="KITE_CODE_RATE_PER_10_MINUTES")
    # Outgoing mail. Without a host, mails stay in the outbox (visible to admins on "Outbox").
    smtp_host: str = Field(default="", validation_alias="KITE_SMTP_HOST")
    smtp_port: int = Field(default=587, validation_alias="KITE_SMTP_PORT")
    # "starttls", "ssl" or "none".
    smtp_security: str = Field(default="starttls", pattern="^(starttls|ssl|none)$",
                               validation_alias="KITE_SMTP_SECURITY")
    smtp_user: str = Field(default="", validation_alias="KITE_SMTP_USER")
    smtp_password: str = Field(default="", validation_alias="KITE_SMTP_PASSWORD")
    mail_from: str = Field(default="kite@localhost", validation_alias="KITE_MAIL_FROM")
    # How often the outbox dispatcher and the reminder job run, in seconds.
    dispatch_seconds: float = Field(default=5, gt=0, validation_alias="KITE_DISPATCH_SECONDS")
    reminder_seconds: float = Field(default=30, gt=0, validation_alias="KITE_REMINDER_SECONDS")
    # The first retry of a mail the SMTP server did not take, in seconds; each next one waits twice as
    # long, up to 5 minutes.
    mail_retry_seconds: float = Field(default=15, gt=0, validation_alias="KITE_MAIL_RETRY_SECONDS")
    # How often waiting calendar writes are retried and agents' answers read from their calendars.
    calendar_sync_seconds: float = Field(default=60, gt=0, validation_alias="KITE_CALENDAR_SYNC_SECONDS")
    # Secret that encrypts stored credentials (the Google service-account key). Any long random
    # string; keep it safe and stable: without it stored keys cannot be read.
    secret_key: str = Field(default="", validation_alias="KITE_SECRET_KEY")
    # Google Calendar API address (only changed for tests against a local fake Google).
    google_api_endpoint: str = Field(default="", validation_alias="KITE_GOOGLE_API_ENDPOINT")
    # Microsoft 365: the identity platform (tokens) and Microsoft Graph addresses (only changed for tests
    # against a local fake Microsoft).
    microsoft_login_endpoint: str = Field(default="https://login.microsoftonline.com",
                                          validation_alias="KITE_MICROSOFT_LOGIN_ENDPOINT")
    microsoft_graph_endpoint: str = Field(default="https://graph.microsoft.com",
                                          validation_alias="KITE_MICROSOFT_GRAPH_ENDPOINT")
    # Google push notifications (events.watch) of agents' answers. Default: on when KITE_PUBLIC_URL is
    # https (Google only calls https addresses); otherwise answers are read every KITE_CALENDAR_SYNC_SECONDS.
    google_push: bool | None = Field(default=None, validation_alias="KITE_GOOGLE_PUSH")
    # Retries (with exponential backoff) of a Google request that failed with 429 or 5xx.
    google_retries: int = Field(default=4, ge=0, validation_alias="KITE_GOOGLE_RETRIES")
    # Send cookies only over HTTPS. Default: on when KITE_PUBLIC_URL is https.
    secure_cookies: bool | None = Field(default=None, validation_alias="KITE_SECURE_COOKIES")
    # Sites that may frame the guest pages (/book/..., /manage/...) in the widget: space-separated
    # origins (https://www.example.com), `*` for any site, or 'none'. Every other page refuses framing.
    frame_ancestors: str = Field(default="*", validation_alias="KITE_FRAME_ANCESTORS")
    # Unknown meeting links and feed addresses one client may try per 10 minutes before being refused.
    token_misses_per_10_minutes: int = Field(default=20, ge=1, validation_alias="KITE_TOKEN_MISSES_PER_10_MINUTES")
    # Minutes a time a guest chose stays held for them while they fill in their details; holds one client address
    # may make per minute.
    hold_minutes: float = Field(default=5, gt=0, le=60, validation_alias="KITE_HOLD_MINUTES")  # 0.1: 6 seconds
    hold_rate_per_minute: int = Field(default=30, ge=1, validation_alias="KITE_HOLD_RATE_PER_MINUTE")
    # Requests one API key may make per minute on /api/v1.
    api_rate_per_minute: int = Field(default=600, ge=1, validation_alias="KITE_API_RATE_PER_MINUTE")
    # Webhooks: waits in seconds between a failed delivery's tries (after the last, the endpoint is disabled);
    # http:// endpoints (local tests only); endpoints on loopback, private or link-local addresses.
    webhook_retry_seconds: str = Field(default="5,300,1800,7200,18000,36000,50400,72000,86400",
                                       pattern=r"^\s*\d+(\s*,\s*\d+)*\s*$",
                                       validation_alias="KITE_WEBHOOK_RETRY_SECONDS")
    webhook_allow_http: bool = Field(default=False, validation_alias="KITE_WEBHOOK_ALLOW_HTTP")
    webhook_allow_private: bool = Field(default=False, validation_alias="KITE_WEBHOOK_ALLOW_PRIVATE")

    @field_validator("database_url")
    @classmethod
    def _driver(cls, url: str) -> str:
        """postgres:// and postgresql:// (as hosting services write them) use the installed psycopg 3 driver."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @field_validator("public_url")
    @classmethod
    def _public_origin(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"KITE_PUBLIC_URL must be an http:// or https:// address, not {url!r}")
        return url

    @field_validator("frame_ancestors")
    @classmethod
    def _frame_sources(cls, value: str) -> str:
        sources = value.split()
        for source in sources:
            if source in ("*", "'self'") or _ORIGIN.fullmatch(source):
                continue
            if source == "'none'" and len(sources) == 1:
                continue
            raise ValueError(f"KITE_FRAME_ANCESTORS: {source!r} is not an origin like https://www.example.com, "
                             "`*` or 'none'")
        return " ".join(sources) or "'none'"

    @model_validator(mode="after")
    def _workers_share_state(self) -> Settings:
        if (self.workers or 1) > 1 and not self.redis_url:
            raise ValueError(f"KITE_WORKERS={self.workers} needs REFLEX_REDIS_URL: several backend workers keep "
                             "their state in Redis (set REFLEX_REDIS_URL=redis://HOST:6379, or KITE_WORKERS=1)")
        return self

    @property
    def backend_workers(self) -> int:
        return self.workers or ((os.cpu_count() or 1) if self.redis_url else 1)

    @property
    def cookies_secure(self) -> bool:
        return self.public_url.startswith("https://") if self.secure_cookies is None else self.secure_cookies

    @property
    def app_origins(self) -> list[str]:
        """The origins the app's own pages are served from: KITE_PUBLIC_URL's, and for a loopback address
        its other loopback names (http://localhost:3000 is also opened as http://127.0.0.1:3000)."""
        parts = urlsplit(self.public_url)
        port = f":{parts.port}" if parts.port else ""
        hosts = [parts.hostname or ""]
        if hosts[0] in LOOPBACK:
            hosts += [h for h in LOOPBACK if h != hosts[0]]
        return [f"{parts.scheme}://{f'[{host}]' if ':' in host else host}{port}" for host in hosts]

    @property
    def push_enabled(self) -> bool:
        return self.public_url.startswith("https://") if self.google_push is None else self.google_push


settings = Settings()
