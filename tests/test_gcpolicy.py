"""The server freezes what survives a full collection, so the next ones walk only what is new."""

import gc

from openlifter.gcpolicy import FreezeSurvivors


def test_what_survives_a_full_collection_is_frozen_until_the_thaw():
    policy = FreezeSurvivors()
    policy.watch(True)
    try:
        gc.unfreeze()
        long_lived = [{"entry": i} for i in range(1000)]
        gc.collect()  # a full collection: its survivors (long_lived among them) are frozen
        assert policy.freezes == 1
        assert gc.get_freeze_count() >= len(long_lived)
        policy.thaw()
        assert gc.get_freeze_count() == 0
    finally:
        policy.watch(False)


def test_a_young_collection_freezes_nothing():
    policy = FreezeSurvivors()
    policy.watch(True)
    try:
        gc.unfreeze()
        gc.collect(0)
        assert policy.freezes == 0 and gc.get_freeze_count() == 0
    finally:
        policy.watch(False)


def test_a_server_that_stops_watching_leaves_nothing_frozen():
    policy = FreezeSurvivors()
    policy.watch(True)
    gc.collect()
    assert gc.get_freeze_count() > 0
    policy.watch(False)
    assert gc.get_freeze_count() == 0 and policy.on_gc not in gc.callbacks
