"""Alembic environment, used by `alembic` directly; `reflex db migrate` applies the same scripts."""

from logging.config import fileConfig

import reflex as rx

from alembic import context
from kite_app.persistence import calendar_models, form_models, integration_models, models  # noqa: F401  (registers the tables)
from kite_app.persistence.db import database_url
from kite_app.persistence.db import engine as kite_engine

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = rx.ModelRegistry.get_metadata()


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with kite_engine().connect() as connection:
        _run(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
