import time
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openlifter.meet.jsonvalue import encoded_size, encoded_size_within
from openlifter.meet.keys import format_key, parse_key
from openlifter.meet.meet import Endpoint, Meet, MeetLimits, Update
from openlifter.storage.store import LogEntry


def test_seq_numbers_start_at_one_without_gaps():
    meet = Meet("1", [Endpoint("A", 1)])
    out = meet.apply_batch("A", "s", [Update("a", ("a",), i, i, 0) for i in range(1, 4)], 0.0)
    assert [e.server_seq for e in out.accepted] == [1, 2, 3]


def test_state_is_the_log_applied_in_order():
    meet = Meet("1", [Endpoint("A", 1)])
    meet.apply_batch("A", "s", [Update("meet", ("meet",), {"name": "x"}, 1, 0), Update("meet.city", parse_key("meet.city"), "Oslo", 2, 1)], 0.0)
    assert meet.state == {"meet": {"name": "x", "city": "Oslo"}}


def test_rollback_forgets_entries_after_head():
    meet = Meet("1", [Endpoint("A", 1)])
    meet.apply_batch("A", "s", [Update("a", ("a",), 1, 1, 0)], 0.0)
    meet.apply_batch("A", "s", [Update("b", ("b",), 2, 2, 1)], 0.0)
    meet.rollback_to(1)
    assert meet.head == 1 and meet.state == {"a": 1}
    out = meet.apply_batch("A", "s", [Update("b", ("b",), 2, 2, 1)], 0.0)
    assert out.acks == [(2, 2)]  # not remembered as applied


def test_published_meet_refuses_updates():
    meet = Meet("1", [Endpoint("A", 1)], published=True)
    out = meet.apply_batch("A", "s", [Update("a", ("a",), 1, 1, 0)], 0.0)
    assert out.rejections[0].conflict is False and "published" in out.rejections[0].reason


# ---- bounded by design ------------------------------------------------------------------


def upd(key, value, local=1, after=0):
    return Update(key, parse_key(key, max_index=10**6, max_segments=100), value, local, after)


def test_an_index_past_the_end_pads_with_nulls_up_to_the_limit():
    meet = Meet("1", [Endpoint("A", 1)], limits=MeetLimits(max_padding_per_update=1000))
    out = meet.apply_batch("A", "s", [upd("a[500][500]", "x")], 0.0)  # 500 + 500 nulls
    assert out.acks == [(1, 1)] and len(meet.state["a"]) == 501 and meet.state["a"][500][500] == "x"


def test_an_update_padding_more_than_the_limit_is_refused_naming_it():
    meet = Meet("1", [Endpoint("A", 1)], limits=MeetLimits(max_padding_per_update=1000))
    out = meet.apply_batch("A", "s", [upd("a[500][501]", "x")], 0.0)
    [rejection] = out.rejections
    assert rejection.conflict is False and "max_padding_per_update" in rejection.reason
    assert meet.head == 0 and meet.state == {}


def test_padding_counts_what_is_already_there():
    meet = Meet("1", [Endpoint("A", 1)], limits=MeetLimits(max_padding_per_update=10))
    meet.apply_batch("A", "s", [upd("a[9]", 1, local=1)], 0.0)
    out = meet.apply_batch("A", "s", [upd("a[19]", 2, local=2, after=1)], 0.0)  # pads 10 more
    assert out.acks == [(2, 2)] and len(meet.state["a"]) == 20


def test_replaying_a_log_of_sparse_index_updates_stays_small():
    """22 stored updates nesting [100000] 63 times (written before the limit) once
    re-inflated to gigabytes on every load."""
    key = "a" + "[100000]" * 63
    entries = [LogEntry(seq, key, seq, "A", 1, seq, 0.0) for seq in range(1, 23)]
    meet = Meet("1", [Endpoint("A", 1)])
    tracemalloc.start()
    try:
        left_out = meet.replay(entries)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert left_out == 22 and meet.head == 22  # still in the log (gapless), not in the state
    assert meet.state == {} and peak < 5 * 1024 * 1024


def test_a_meet_whose_log_is_full_refuses_updates_as_meet_is_full():
    meet = Meet("1", [Endpoint("A", 1)], limits=MeetLimits(max_log_bytes=3000))
    out = meet.apply_batch("A", "s", [upd(f"k{i}", "v" * 100, local=i, after=0) for i in range(1, 40)], 0.0)
    assert out.acks and out.rejections
    assert all(r.conflict is False and r.reason.startswith("meet is full") and "max_meet_log_bytes" in r.reason for r in out.rejections)
    assert meet.log_bytes <= 3000


def test_a_meet_whose_state_is_full_refuses_growth_but_not_a_write_that_shrinks_it():
    meet = Meet("1", [Endpoint("A", 1)], limits=MeetLimits(max_state_bytes=5000))
    meet.apply_batch("A", "s", [upd("big", "x" * 4000, local=1)], 0.0)
    grow = meet.apply_batch("A", "s", [upd("more", "y" * 2000, local=2, after=1)], 0.0)
    assert grow.rejections[0].conflict is False and "max_meet_state_bytes" in grow.rejections[0].reason
    shrink = meet.apply_batch("A", "s", [upd("big", "small", local=3, after=1)], 0.0)
    assert shrink.acks == [(3, 2)]
    again = meet.apply_batch("A", "s", [upd("more", "y" * 2000, local=4, after=2)], 0.0)
    assert again.acks == [(4, 3)]


def test_a_large_server_value_is_left_out_of_a_rejection():
    meet = Meet("1", [Endpoint("Hi", 9), Endpoint("Lo", 1)], limits=MeetLimits(max_server_value_bytes=1000))
    meet.apply_batch("Hi", "h", [upd("x", {"list": list(range(1000))})], 0.0)
    out = meet.apply_batch("Lo", "l", [upd("x", 1)], 0.0)
    [rejection] = out.rejections
    assert rejection.server_value_omitted and rejection.server_value is None and rejection.server_seq == 1


def test_the_server_values_of_one_batch_are_bounded_in_bytes():
    limits = MeetLimits(max_server_value_bytes=10_000, max_rejection_values_bytes=30_000)
    meet = Meet("1", [Endpoint("Hi", 9), Endpoint("Lo", 1)], limits=limits)
    meet.apply_batch("Hi", "h", [upd("x", "v" * 9000)], 0.0)
    out = meet.apply_batch("Lo", "l", [upd("x", i, local=i) for i in range(1, 11)], 0.0)
    sent = [r for r in out.rejections if not r.server_value_omitted]
    assert len(out.rejections) == 10 and len(sent) == 3 and out.server_value_bytes <= 30_000


def test_a_server_value_is_a_copy_taken_when_rejected():
    meet = Meet("1", [Endpoint("Hi", 9), Endpoint("Lo", 1)])
    meet.apply_batch("Hi", "h", [upd("x", {"a": 1})], 0.0)
    out = meet.apply_batch("Lo", "l", [upd("x", 2)], 0.0)
    meet.apply_batch("Hi", "h", [upd("x.a", 5, local=2, after=1)], 0.0)
    assert out.rejections[0].server_value == {"a": 1}


def test_a_batch_of_rejections_at_one_large_subtree_costs_about_one_measuring_of_it():
    # Conflict judging (issue 7, finding 3): rejections at the root of 20,000 entries.
    meet = Meet("1", [Endpoint("Hi", 9), Endpoint("Lo", 1)])
    meet.apply_batch("Hi", "h", [upd(f"x.e{i}", {"i": i}, local=i + 1) for i in range(20_000)], 0.0)
    started = time.thread_time()
    encoded_size_within(meet.state["x"], meet.limits.max_server_value_bytes)
    once = time.thread_time() - started
    started = time.thread_time()
    out = meet.apply_batch("Lo", "l", [upd("x", i, local=i) for i in range(1, 101)], 0.0)
    batch = time.thread_time() - started
    assert len(out.rejections) == 100 and all(r.server_value_omitted for r in out.rejections)
    # Measured once per rejection, the batch cost 16 measurings (until the batch's
    # max_rejection_values_bytes was spent); at most a few now, whatever the machine load.
    assert batch < 6 * once, (batch, once)


def test_a_value_that_did_not_fit_is_measured_again_once_the_state_changed():
    meet = Meet("1", [Endpoint("Hi", 9), Endpoint("Lo", 1)], limits=MeetLimits(max_server_value_bytes=100))
    meet.apply_batch("Hi", "h", [upd("x", "v" * 500)], 0.0)
    assert meet.apply_batch("Lo", "l", [upd("x", 1, local=1)], 0.0).rejections[0].server_value_omitted
    meet.apply_batch("Hi", "h", [upd("x", "small", local=2, after=1)], 0.0)
    [rejection] = meet.apply_batch("Lo", "l", [upd("x", 2, local=2)], 0.0).rejections
    assert not rejection.server_value_omitted and rejection.server_value == "small"


# ---- resends ----------------------------------------------------------------------------


def test_an_identical_resend_is_acknowledged_with_its_first_seq_and_not_applied_twice():
    meet = Meet("1", [Endpoint("A", 1)])
    meet.apply_batch("A", "s", [upd("a", {"v": 1}, local=7)], 0.0)
    out = meet.apply_batch("A", "s", [upd("a", {"v": 1}, local=7)], 0.0)
    assert out.acks == [(7, 1)] and meet.head == 1


def test_a_reused_local_seq_with_another_value_is_rejected_not_dropped():
    meet = Meet("1", [Endpoint("A", 1)])
    meet.apply_batch("A", "s", [upd("a", 1, local=7)], 0.0)
    out = meet.apply_batch("A", "s", [upd("a", 2, local=7)], 0.0)
    [rejection] = out.rejections
    assert not out.acks and rejection.conflict is False and "localSeqNum 7" in rejection.reason
    assert meet.head == 1 and meet.state == {"a": 1}


def test_a_reused_local_seq_with_another_key_is_rejected():
    meet = Meet("1", [Endpoint("A", 1)])
    meet.apply_batch("A", "s", [upd("a", 1, local=7)], 0.0)
    out = meet.apply_batch("A", "s", [upd("b", 1, local=7)], 0.0)
    assert out.rejections[0].conflict is False and meet.head == 1 and "b" not in meet.state


def test_another_session_may_use_the_same_local_seq():
    meet = Meet("1", [Endpoint("A", 1)])
    meet.apply_batch("A", "s1", [upd("a", 1, local=7)], 0.0)
    out = meet.apply_batch("A", "s2", [upd("b", 1, local=7)], 0.0)
    assert out.acks == [(7, 2)]


def test_the_counted_state_size_follows_the_state_through_many_overwrites():
    meet = Meet("1", [Endpoint("A", 1)])
    for i in range(5000):
        key = f"registration.entries[{i % 50}].{'name' if i % 3 else 'lot'}"
        meet.apply_batch("A", "s", [upd(key, "x" * (i % 40), local=i + 1, after=i)], 0.0)
    meet.apply_batch("A", "s", [upd("registration.entries[20]", {"name": "y"}, local=9000, after=5000)], 0.0)
    real = encoded_size(meet.state)
    assert real <= meet.state_bytes <= real * 1.2 + 100


def test_an_identical_resend_of_a_large_value_is_still_acknowledged():
    meet = Meet("1", [Endpoint("A", 1)], limits=MeetLimits(conflict_check_steps=10))
    entries = [{"name": f"Lifter {i}", "bodyweightKg": 80 + i % 40} for i in range(2000)]
    meet.apply_batch("A", "s", [upd("registration.entries", entries, local=3)], 0.0)
    out = meet.apply_batch("A", "s", [upd("registration.entries", [dict(e) for e in entries], local=3)], 0.0)
    assert out.acks == [(3, 1)] and not out.rejections and meet.head == 1


def test_a_recovered_entry_is_restored_only_if_it_fits_the_meets_bounds():
    meet = Meet("1", [Endpoint("A", 1)], limits=MeetLimits(max_padding_per_update=10))
    assert meet.restore(LogEntry(1, "a[5]", 1, "A", 1, None, 0.0))
    assert not meet.restore(LogEntry(2, "b[50]", 1, "A", 1, None, 0.0))
    assert meet.head == 1 and meet.state == {"a": [None] * 5 + [1]}


def test_values_measured_and_left_out_use_up_the_batchs_budget_too():
    limits = MeetLimits(max_server_value_bytes=1000, max_rejection_values_bytes=3000)
    meet = Meet("1", [Endpoint("Hi", 9), Endpoint("Lo", 1)], limits=limits)
    meet.apply_batch("Hi", "h", [upd("big", "v" * 5000, local=1), upd("small", 1, local=2)], 0.0)
    big = [upd("big", i, local=i) for i in range(1, 4)]
    out = meet.apply_batch("Lo", "l", [*big, upd("small", 2, local=9)], 0.0)
    assert [r.server_value_omitted for r in out.rejections] == [True, True, True, True]


# ---- any sequence of updates keeps every bound ---------------------------------------------

segments = st.sampled_from(["a", "b", "entries", "name"]) | st.integers(0, 3000)
keys = st.tuples(st.sampled_from(["a", "b", "registration"]), st.lists(segments, max_size=5)).map(lambda t: format_key((t[0], *t[1])))
values = st.recursive(
    st.none() | st.integers() | st.text(max_size=300),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.sampled_from("abc"), children, max_size=3),
    max_leaves=10,
)
updates = st.lists(st.tuples(st.sampled_from(["Hi", "Lo"]), keys, values, st.integers(0, 40)), max_size=60)


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(updates)
def test_any_updates_keep_the_meet_within_its_bounds_and_equal_to_its_log(batch):
    limits = MeetLimits(
        max_padding_per_update=500, max_log_bytes=20_000, max_state_bytes=8_000,
        max_server_value_bytes=300, max_rejection_values_bytes=600, conflict_check_steps=20,
    )  # fmt: skip
    meet = Meet("1", [Endpoint("Hi", 9), Endpoint("Lo", 1)], limits=limits)
    for local, (location, key, value, after) in enumerate(batch, start=1):
        path = parse_key(key, max_index=10**6, max_segments=100)
        out = meet.apply_batch(location, location, [Update(key, path, value, local, min(after, meet.head))], 0.0)
        assert out.server_value_bytes <= limits.max_rejection_values_bytes
        for rejection in out.rejections:
            assert rejection.server_value_omitted or encoded_size(rejection.server_value) <= limits.max_server_value_bytes
    assert meet.log_bytes <= limits.max_log_bytes
    assert encoded_size(meet.state) <= meet.state_bytes <= limits.max_state_bytes
    rebuilt = Meet("1", [Endpoint("Hi", 9), Endpoint("Lo", 1)], limits=limits)
    assert rebuilt.replay(meet.log) == 0 and rebuilt.state == meet.state
