"""FileMeetStore, the first MeetStore: meets as folders under data/, by place."""

import pytest

from openlifter.storage.filestore import FileMeetStore
from openlifter.storage.lock import DataFolderInUse
from openlifter.storage.store import LogEntry, MeetStore, Place

AUTH = {"meetId": "123456789"}


@pytest.fixture
def store(tmp_path):
    opened = FileMeetStore(tmp_path / "data")
    opened.open("tests")
    yield opened
    opened.close()


def a_meet(store: MeetStore, meet_id: str = "123456789") -> None:
    store.records(meet_id, Place.CURRENT).create(AUTH)


def test_a_created_meet_is_listed_in_its_place_and_its_id_is_taken(store):
    a_meet(store)
    assert store.meet_ids(Place.CURRENT) == ["123456789"]
    assert store.meet_ids(Place.FINISHED) == [] and store.meet_ids(Place.ARCHIVED) == []
    assert store.is_taken("123456789") and not store.is_taken("987654321")


def test_a_moved_meet_keeps_its_records(store):
    a_meet(store)
    records = store.records("123456789", Place.CURRENT)
    records.append([LogEntry(1, "meet.name", "x", "Table", 1, 1, 0.0)])
    records.close()
    store.move("123456789", Place.CURRENT, Place.ARCHIVED)
    moved = store.records("123456789", Place.ARCHIVED)
    assert [e.value for e in moved.replay().entries] == ["x"] and moved.read_auth() == AUTH
    assert store.meet_ids(Place.CURRENT) == []


def test_a_removed_meet_is_gone_and_its_id_free(store):
    a_meet(store)
    store.remove("123456789", Place.CURRENT)
    assert store.meet_ids(Place.CURRENT) == [] and not store.is_taken("123456789")


def test_a_second_store_on_the_same_folder_cannot_open(store, tmp_path):
    with pytest.raises(DataFolderInUse):
        FileMeetStore(tmp_path / "data").open("another")


def test_log_lines_name_a_record_by_its_place_in_the_folder(store):
    a_meet(store)
    assert store.describe(store.records("123456789", Place.CURRENT).sessions_path) == "current-meets/123456789/sessions.json"
