"""Reflex configuration. Every setting comes from kite_app.config (environment variables)."""

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from kite_app.config import settings

config = rx.Config(
    app_name="kite_app",
    db_url=settings.database_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium"))],
    disable_plugins=[SitemapPlugin],
)
