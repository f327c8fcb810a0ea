"""The Reflex app: pages register themselves when their modules are imported."""

import reflex as rx

from kite_app.api.app import api
from kite_app.persistence import models  # noqa: F401  (tables registered for migrations)
from kite_app.ui.pages import agents, booking, index, kite_settings, login, manage, profile, setup  # noqa: F401

app = rx.App(stylesheets=["/kite.css"], api_transformer=api)
