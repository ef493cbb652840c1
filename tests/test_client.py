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


def test_an_edit_the_server_could_not_store_stays_pending_and_is_sent_again_with_its_local_seq():
    session = joined()
    session.edit("lifting.flight", "C")
    [sent] = session.frames_for_unsent()
    session.handle({"msgType": "UPDATE_REJECTED", "updatesRejected": [
        {"localSeqNum": 1, "conflict": False, "reason": "could not store", "serverValue": None, "serverSeqNum": 0, "retry": True}]})
    assert session.view_state()["lifting"]["flight"] == "C" and 1 not in session.answers
    assert session.resend_due and session.resend_delay() == 0.5
    assert session.frames_for_unsent() == [sent]


def test_each_retry_answer_in_a_row_doubles_the_wait_and_an_ack_resets_it():
    session = joined()
    session.edit("a", 1)
    retry = {"msgType": "UPDATE_REJECTED", "updatesRejected": [
        {"localSeqNum": 1, "conflict": False, "reason": "r", "serverValue": None, "serverSeqNum": 0, "retry": True}]}
    delays = []
    for _ in range(7):
        session.frames_for_unsent()
        session.handle(retry)
        delays.append(session.resend_delay())
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    session.handle({"msgType": "UPDATE_ACK", "updateAcks": [{"localSeqNum": 1, "serverSeqNum": 1}]})
    assert session.resend_delay() == 0.5 and not session.pending


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


# ---- entry re-targeting (SPEC section 6) ---------------------------------------------------


def lifters(*pairs):
    return [{"id": entry_id, "bodyweightKg": kg} for entry_id, kg in pairs]


def with_entries(session, seq, entries, location="Weigh-in"):
    session.handle(relay((seq, "registration.entries", entries, location)))


def unsent_updates(session):
    return [u for frame in session.frames_for_unsent() for u in frame["updates"]]


def test_offline_edit_follows_its_lifter_after_an_earlier_lifter_is_deleted():
    session = joined("Scoring")
    with_entries(session, 1, lifters((1, 60), (2, 70), (3, 80), (4, 90)))
    session.edit("registration.entries[2].bodyweightKg", 82.4)
    with_entries(session, 2, lifters((1, 60), (3, 80), (4, 90)))
    [update] = unsent_updates(session)
    assert update["updateKey"] == "registration.entries[1].bodyweightKg"
    assert update["afterServerSeqNum"] == 2, "only entries moved: the edit is judged as made now"
    assert session.view_state()["registration"]["entries"][2]["bodyweightKg"] == 90


def test_moved_edit_whose_value_someone_else_changed_keeps_its_base_seq():
    session = joined("Scoring")
    with_entries(session, 1, lifters((1, 60), (2, 70), (3, 80)))
    session.edit("registration.entries[2].bodyweightKg", 82.4)
    with_entries(session, 2, lifters((1, 60), (3, 79)))
    [update] = unsent_updates(session)
    assert (update["updateKey"], update["afterServerSeqNum"]) == ("registration.entries[1].bodyweightKg", 1)


def test_edit_of_a_deleted_lifter_is_dropped_with_a_rejection():
    session = joined("Scoring")
    with_entries(session, 1, lifters((1, 60), (2, 70)))
    edit = session.edit("registration.entries[1].bodyweightKg", 71)
    with_entries(session, 2, lifters((1, 60)))
    assert not session.pending and unsent_updates(session) == []
    [answer] = session.answers[edit.local_seq]
    assert not answer.accepted and answer.conflict and "deleted" in answer.reason


def test_sent_edit_moved_by_a_relay_goes_out_again_with_a_new_local_seq():
    session = joined("Scoring")
    with_entries(session, 1, lifters((1, 60), (2, 70), (3, 80)))
    edit = session.edit("registration.entries[2].bodyweightKg", 81)
    [first] = unsent_updates(session)
    with_entries(session, 2, lifters((2, 70), (3, 80)))
    [again] = unsent_updates(session)
    assert first["localSeqNum"] == edit.local_seq and again["localSeqNum"] != edit.local_seq
    assert again["updateKey"] == "registration.entries[1].bodyweightKg"


def test_an_edit_that_writes_a_new_entry_is_never_dropped():
    session = joined("Scoring")
    with_entries(session, 1, lifters((1, 60)))
    session.edit("registration.entries[1]", {"id": 9, "bodyweightKg": 50})
    session.handle(relay((2, "registration.entries[0].bodyweightKg", 61, "Weigh-in")))
    assert [u["updateKey"] for u in unsent_updates(session)] == ["registration.entries[1]"]


def test_an_ack_for_an_edit_no_longer_pending_pulls_the_entry():
    session = joined()
    replies = session.handle({"msgType": "UPDATE_ACK", "updateAcks": [{"localSeqNum": 7, "serverSeqNum": 1}]})
    assert replies == [session.pull_frame()]


def test_edit_sent_on_an_earlier_connection_and_then_moved_gets_a_new_local_seq():
    session = joined("Scoring")
    with_entries(session, 1, lifters((1, 60), (2, 70), (3, 80)))
    edit = session.edit("registration.entries[2].bodyweightKg", 81)
    unsent_updates(session)
    session.connection_lost()  # unanswered: the server may still have it under its old key
    with_entries(session, 2, lifters((2, 70), (3, 80)))
    [again] = unsent_updates(session)
    assert again["localSeqNum"] != edit.local_seq
    assert again["updateKey"] == "registration.entries[1].bodyweightKg"


def test_a_client_that_knows_its_meet_uses_the_meets_own_socket_address():
    from openlifter.client import meet_socket_url

    assert meet_socket_url("ws://host:8080/live/ws", "123456789") == "ws://host:8080/live/meets/123456789/ws"
    assert meet_socket_url("wss://host/ws", "123456789") == "wss://host/meets/123456789/ws"
    assert meet_socket_url("ws://host/meets/123456789/ws", "123456789") == "ws://host/meets/123456789/ws"
