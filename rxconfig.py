"""Reflex configuration. Every setting comes from kite_app.config (environment variables)."""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from kite_app.config import settings

# Reflex reads these from the environment too: hand it the same values Kite uses.
os.environ["REFLEX_DB_URL"] = settings.database_url  # with the driver name filled in
# `reflex run --env prod` serves with gunicorn and uvicorn workers: gunicorn replaces a worker that
# dies, where Granian would stop the whole server.
os.environ["REFLEX_USE_GRANIAN"] = "false"
os.environ["GUNICORN_CMD_ARGS"] = f"--workers {settings.backend_workers} --graceful-timeout 10"

config = rx.Config(
    app_name="kite_app",
    db_url=settings.database_url,
    redis_url=settings.redis_url or None,
    telemetry_enabled=False,
    # The app's own endpoints and its websocket answer only the app's pages (kite_app/api/security.py).
    cors_allowed_origins=settings.app_origins,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium"))],
    disable_plugins=[SitemapPlugin],
)
