"""The client model as a pure state machine (no socket)."""

from openlifter.client import ClientSession


def joined(location="Table"):
    session = ClientSession(location)
    session.handle({"msgType": "MEET_JOINED", "meetId": "123456789", "sessionToken": "t", "displayKey": "k", "lastServerSeq": 0})
    return session


def relay(*items):
    return {"msgType": "UPDATE_RELAY", "updatesRelayed": [
        {"updateKey": k, "updateValue": v, "serverSeqNum": s, "locationName": loc} for s, k, v, loc in items
    ]}


def pulled(head, *items, more=False):
    return {"msgType": "SERVER_PULL", "lastServerSeq": head, "more": more, "updates": relay(*items)["updatesRelayed"]}


def test_acked_edit_moves_to_the_canonical_log():
    session = joined()
    session.edit("meet.name", "Open")
    session.handle({"msgType": "UPDATE_ACK", "updateAcks": [{"localSeqNum": 1, "serverSeqNum": 1}]})
    assert not session.pending and session.state == {"meet": {"name": "Open"}} and session.head == 1


def test_edit_remembers_the_seq_it_was_made_after():
    session = joined()
    session.handle(relay((1, "a", 1, "Other"), (2, "b", 2, "Other")))
    assert session.edit("c", 3).after_seq == 2


def test_relays_after_a_gap_wait_and_ask_for_a_pull():
    session = joined()
    replies = session.handle(relay((2, "b", 2, "Other")))
    assert session.head == 0 and replies == [session.pull_frame()]
    session.handle(pulled(2, (1, "a", 1, "Other"), (2, "b", 2, "Other")))
    assert session.head == 2 and session.state == {"a": 1, "b": 2}


def test_rejected_edit_is_dropped_and_the_view_shows_the_server_value():
    session = joined()
    session.handle(relay((1, "lifting.flight", "B", "Director")))
    session.edit("lifting.flight", "C")
    assert session.view_state()["lifting"]["flight"] == "C"
    session.handle({"msgType": "UPDATE_REJECTED", "updatesRejected": [
        {"localSeqNum": 1, "conflict": True, "reason": "r", "serverValue": "B", "serverSeqNum": 1}]})
    assert session.view_state()["lifting"]["flight"] == "B"
    assert session.answers[1][0].conflict is True


def test_recovery_request_is_answered_with_the_canonical_log_after_the_seq():
    session = joined()
    session.handle(relay((1, "a", 1, "X"), (2, "b", 2, "Y")))
    [answer] = session.handle({"msgType": "RECOVERY_REQUEST", "fromServerSeq": 1})
    assert answer["msgType"] == "RECOVERY_UPDATES"
    assert answer["updates"] == [{"serverSeqNum": 2, "updateKey": "b", "updateValue": 2, "locationName": "Y"}]


def test_shorter_server_log_rebases_and_resends_own_lost_edits():
    session = joined("Table")
    session.handle(relay((1, "a", 1, "Other"), (2, "b", 2, "Table"), (3, "c", 3, "Other")))
    replies = session.handle(pulled(1))
    assert session.head == 1 and session.state == {"a": 1}
    assert [(e.key, e.value, e.after_seq) for e in session.pending.values()] == [("b", 2, 1)]
    assert replies[0]["updates"][0]["updateKey"] == "b"


def test_divergent_server_entry_replaces_ours():
    session = joined("Table")
    session.handle(relay((1, "a", 1, "Other"), (2, "b", "mine", "Table")))
    session.handle(pulled(2, (2, "b", "theirs", "Other")))
    assert session.state == {"a": 1, "b": "theirs"} and session.rebases == 1
    assert [(e.key, e.value) for e in session.pending.values()] == [("b", "mine")]


def test_refusals_raise():
    import pytest

    from openlifter.client import ProtocolError

    with pytest.raises(ProtocolError):
        joined().handle({"msgType": "INVALID_SESSION", "sessionToken": "t"})


def test_a_rejection_without_its_server_value_makes_the_client_pull():
    session = joined()
    session.edit("registration.entries", [])
    replies = session.handle({"msgType": "UPDATE_REJECTED", "updatesRejected": [
        {"localSeqNum": 1, "conflict": True, "reason": "r", "serverValueOmitted": True, "serverSeqNum": 4}]})
    assert replies == [session.pull_frame()] and not session.pending
