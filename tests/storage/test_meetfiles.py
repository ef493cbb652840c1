import json
import logging

import pytest

from openlifter.storage.files import DataPaths, StorageError, atomic_write_json, read_json
from openlifter.storage.meetfiles import MeetFiles
from openlifter.storage.store import LogEntry


def entry(seq, key="a", value=1):
    return LogEntry(seq, key, value, "Table", 2, seq, 1.0)


@pytest.fixture
def files(tmp_path):
    meet = MeetFiles(tmp_path / "123456789")
    meet.create({"meetId": "123456789"})
    yield meet
    meet.close()


def test_appended_entries_replay_in_order(files):
    files.append([entry(1), entry(2, value={"x": [1, None]})])
    files.append([entry(3)])
    assert [e.server_seq for e in files.replay().entries] == [1, 2, 3]
    assert files.replay().entries[1].value == {"x": [1, None]}


def test_each_log_line_holds_the_spec_fields(files):
    files.append([entry(1)])
    record = json.loads(files.log_path.read_text().splitlines()[0])
    assert {"serverSeqNum", "updateKey", "updateValue", "locationName", "priority", "localSeqNum", "receivedAt"} <= set(record)


def test_torn_last_line_is_cut_with_a_warning(files, caplog):
    files.append([entry(1), entry(2)])
    with open(files.log_path, "ab") as log:
        log.write(b'{"serverSeqNum": 3, "updateK')
    with caplog.at_level(logging.WARNING):
        result = files.replay()
    assert [e.server_seq for e in result.entries] == [1, 2]
    assert result.cut_bytes > 0 and "torn" in caplog.text
    assert files.log_path.read_bytes().endswith(b"\n")
    files.append([entry(3)])
    assert len(files.replay().entries) == 3


def test_corrupt_complete_last_line_is_cut(files):
    files.append([entry(1)])
    with open(files.log_path, "ab") as log:
        log.write(b"not json\n")
    assert [e.server_seq for e in files.replay().entries] == [1]


def test_damage_before_the_last_line_is_refused_not_cut(files):
    files.append([entry(1)])
    with open(files.log_path, "ab") as log:
        log.write(b"garbage\n")
    files.append([entry(2)])
    with pytest.raises(StorageError, match="line 2"):
        files.replay()
    assert files.log_path.read_bytes().count(b"\n") == 3  # nothing was cut


def test_gap_in_seq_numbers_is_damage(files):
    files.append([entry(1), entry(3), entry(4)])
    with pytest.raises(StorageError):
        files.replay()


def test_sessions_round_trip(files):
    files.write_sessions([{"tokenHash": "h", "locationName": "Table", "createdAt": 1, "expiresAt": 2}])
    assert files.read_sessions()[0]["tokenHash"] == "h"


def test_atomic_write_leaves_no_temp_files(tmp_path):
    atomic_write_json(tmp_path / "x.json", {"a": 1})
    atomic_write_json(tmp_path / "x.json", {"a": 2})
    assert read_json(tmp_path / "x.json") == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_paths_refuse_anything_but_a_meet_id(tmp_path):
    paths = DataPaths(tmp_path)
    for bad in ["../123456789", "12345678", "abcdefghi", "123456789/..", ""]:
        with pytest.raises(StorageError):
            paths.meet_dir(bad)
    assert paths.meet_dir("123456789").parent.name == "current-meets"
