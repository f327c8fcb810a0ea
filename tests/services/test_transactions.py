"""Units of work: inside `reading()` the read-only units share one session; with `then_write` the units that
write join it too (a booking's checks and its rows are one transaction), and what must follow the commit
waits for it, and never follows a rollback."""

import pytest
from sqlmodel import func, select

from kite_app.persistence.db import after_commit, reading, transaction
from kite_app.persistence.models import AppSetting
from tests.services.conftest import NOW


def setting(key: str) -> AppSetting:
    return AppSetting(key=key, data={"set": True}, updated_at=NOW)


def stored() -> list[str]:
    """The keys committed, as a new transaction (another connection) sees them."""
    with transaction(read_only=True) as s:
        return sorted(s.exec(select(AppSetting.key)).all())


def test_units_inside_then_write_commit_together_and_after_commit_work_sees_their_rows(database):
    seen: list[list[str]] = []
    with reading(then_write=True):
        with transaction() as first:
            first.add(setting("first"))
            after_commit(first, lambda: seen.append(stored()))
        with transaction() as second, transaction(read_only=True) as reader:
            assert second is first and reader is first  # one session, one transaction
            second.add(setting("second"))
        assert seen == []  # the block has not committed yet
        with transaction(read_only=True) as s:
            assert s.exec(select(func.count()).select_from(AppSetting)).one() == 2  # its own writes, read back
    assert seen == [["first", "second"]]  # after the commit, outside the transaction
    with transaction() as s:  # afterwards, units are on their own again
        s.add(setting("third"))
    assert stored() == ["first", "second", "third"]


def test_a_failure_inside_then_write_undoes_every_unit_and_drops_the_after_commit_work(database):
    seen: list[str] = []
    with pytest.raises(RuntimeError), reading(then_write=True):
        with transaction() as s:
            s.add(setting("kept?"))
            after_commit(s, lambda: seen.append("ran"))
        raise RuntimeError("a check failed after the first write")
    assert stored() == [] and seen == []


def test_plain_reading_leaves_writes_their_own_transaction(database):
    with reading():
        with transaction(read_only=True) as reader, transaction() as writer:
            assert writer is not reader
            writer.add(setting("own"))
        assert stored() == ["own"]  # committed when its unit ended, inside the block
