from openlifter.meet.keys import parse_key
from openlifter.meet.meet import Endpoint, Meet, Update


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
