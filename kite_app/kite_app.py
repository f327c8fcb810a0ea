"""The Reflex app: pages register themselves when their modules are imported."""

import logging

import reflex as rx
from reflex.app import default_backend_exception_handler

from kite_app.api.app import api
from kite_app.jobs import background_jobs
from kite_app.persistence import models  # noqa: F401  (tables registered for migrations)
from kite_app.persistence.db import DATABASE_UNAVAILABLE
from kite_app.ui.pages import (  # noqa: F401
    agents,
    booking,
    inbox,
    index,
    integrations,
    kite_settings,
    login,
    manage,
    meetings,
    outbox,
    profile,
    setup,
)
from kite_app.wiring import connect_providers

connect_providers()

# Inside the widget's iframe on another site, browsers that block third-party storage throw on any
# use of localStorage/sessionStorage, which the framework needs. Give such pages in-memory storage.
STORAGE_FALLBACK = """
(function () {
  function memory() {
    var data = {};
    return {
      getItem: function (k) { return Object.prototype.hasOwnProperty.call(data, k) ? data[k] : null; },
      setItem: function (k, v) { data[k] = String(v); },
      removeItem: function (k) { delete data[k]; },
      clear: function () { data = {}; },
      key: function (i) { return Object.keys(data)[i] || null; },
      get length() { return Object.keys(data).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try { window[name].getItem("kite"); }
    catch (e) { try { Object.defineProperty(window, name, { value: memory(), configurable: true }); } catch (_) {} }
  });
})();
"""


def backend_error(exception: Exception):
    """An event handler failed. The database being unreachable (restarting) is said plainly; anything
    else gets Reflex's own notice and a logged traceback."""
    if isinstance(exception, DATABASE_UNAVAILABLE):
        logging.getLogger(__name__).warning("database unavailable: %s", exception.orig)
        return rx.toast.error("The database is briefly unavailable.", description="Try again in a moment.",
                              position="top-center", id="backend_error")
    return default_backend_exception_handler(exception)


app = rx.App(stylesheets=["/kite.css"], api_transformer=api, head_components=[rx.script(STORAGE_FALLBACK)],
             backend_exception_handler=backend_error)
app.register_lifespan_task(background_jobs)
