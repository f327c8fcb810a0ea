"""The Reflex app: pages register themselves when their modules are imported."""

import reflex as rx

from kite_app.api import security
from kite_app.api.app import api
from kite_app.jobs import background_jobs, request_threads
from kite_app.persistence import calendar_models, form_models, integration_models, models  # noqa: F401  (tables registered for migrations)
from kite_app.ui.layout import backend_error
from kite_app.ui.pages import (  # noqa: F401
    agents,
    api_keys,
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
    teams,
    webhooks,
)
from kite_app.wiring import connect_providers

connect_providers()

# Inside the widget's iframe on another site, browsers that block third-party storage throw on any
# use of localStorage/sessionStorage, which the framework needs. Give such pages in-memory storage.
# Inline on purpose: it must run as soon as it is rendered, before the framework connects (the CSP
# allows it by its hash).
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


class KiteApp(rx.App):
    """The Reflex app inside Kite's browser-facing boundary (security headers, CORS, websocket origin)."""

    def __call__(self):
        return security.protect(super().__call__(), inline_scripts=[STORAGE_FALLBACK])


app = KiteApp(stylesheets=["/kite.css"], api_transformer=api, backend_exception_handler=backend_error,
              head_components=[rx.script(STORAGE_FALLBACK), rx.script(src="/kite.js", defer=True)])
app.register_lifespan_task(background_jobs)
app.register_lifespan_task(request_threads)
