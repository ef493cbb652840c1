from dataclasses import dataclass
from typing import Any

from openlifter.meet.meet import Endpoint
from openlifter.meet.recovery import RecoveryAnswer, merge_recovered

ENDPOINTS = {"Hi": Endpoint("Hi", 9), "Mid": Endpoint("Mid", 5), "Lo": Endpoint("Lo", 1)}


@dataclass
class R:
    server_seq: int
    key: str
    value: Any
    location_name: str = "Lo"


def answer(*entries, by="Hi"):
    return RecoveryAnswer(ENDPOINTS[by], list(entries))


def seqs(entries):
    return [(e.server_seq, e.value) for e in entries]


def test_first_answer_is_taken_contiguously_from_the_head():
    restored = merge_recovered(2, [answer(R(3, "a", "x"), R(4, "a", "y"), R(6, "a", "z"))], ENDPOINTS, 0)
    assert seqs(restored) == [(3, "x"), (4, "y")]


def test_later_answers_only_fill_missing_seqs():
    first = answer(R(3, "a", "first"), R(4, "a", "first"))
    second = answer(R(3, "a", "second"), R(5, "a", "second"))
    assert seqs(merge_recovered(2, [first, second], ENDPOINTS, 0)) == [(3, "first"), (4, "first"), (5, "second")]


def test_entries_at_or_below_the_head_are_ignored():
    assert seqs(merge_recovered(2, [answer(R(2, "a", "old"), R(3, "a", "new"))], ENDPOINTS, 0)) == [(3, "new")]


def test_restored_entries_take_their_locations_priority():
    [entry] = merge_recovered(0, [answer(R(1, "a", 1, "Hi"))], ENDPOINTS, 0)
    assert entry.priority == 9 and entry.location == "Hi"


def test_an_entry_naming_a_location_above_the_answerer_is_stored_as_the_answerers():
    [entry] = merge_recovered(0, [answer(R(1, "a", 1, "Hi"), by="Mid")], ENDPOINTS, 0)
    assert entry.location == "Mid" and entry.priority == 5


def test_an_entry_naming_a_location_at_or_below_the_answerer_keeps_it():
    restored = merge_recovered(0, [answer(R(1, "a", 1, "Lo"), R(2, "a", 2, "Mid"), by="Mid")], ENDPOINTS, 0)
    assert [(e.location, e.priority) for e in restored] == [("Lo", 1), ("Mid", 5)]


def test_entries_of_unknown_locations_are_dropped():
    assert merge_recovered(0, [answer(R(1, "a", 1, "Intruder"))], ENDPOINTS, 0) == []


def test_no_answers_restore_nothing():
    assert merge_recovered(5, [], ENDPOINTS, 0) == []
