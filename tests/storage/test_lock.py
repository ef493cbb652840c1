"""One process per data folder: the lock is exclusive, never waits, and is released."""

import os

import pytest

from openlifter.storage.lock import DataFolderInUse, DataFolderLock


def test_a_second_lock_on_the_same_folder_is_refused_naming_the_holder(tmp_path):
    first = DataFolderLock.acquire(tmp_path, "openlifter-server")
    try:
        with pytest.raises(DataFolderInUse) as refused:
            DataFolderLock.acquire(tmp_path, "openlifter-server")
        message = str(refused.value)
        assert str(tmp_path) in message
        assert f"pid {os.getpid()}" in message
        assert "one server process per data folder" in message
    finally:
        first.release()


def test_a_released_folder_can_be_locked_again(tmp_path):
    DataFolderLock.acquire(tmp_path, "openlifter-server").release()
    again = DataFolderLock.acquire(tmp_path, "openlifter-server")
    assert again.held
    again.release()
    assert not again.held


def test_locks_on_different_folders_do_not_interfere(tmp_path):
    one = DataFolderLock.acquire(tmp_path / "one", "openlifter-server")
    two = DataFolderLock.acquire(tmp_path / "two", "openlifter-server")
    one.release()
    two.release()
