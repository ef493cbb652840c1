import pytest

from openlifter.auth.passwords import PasswordPolicy, check_password, hash_password, password_problem
from openlifter.auth.secrets import display_meet_id, new_meet_id, new_session_token, normalize_meet_id


def test_meet_id_is_nine_digits():
    for _ in range(100):
        meet_id = new_meet_id()
        assert len(meet_id) == 9 and meet_id.isdigit()


def test_meet_id_is_accepted_with_spaces_or_dashes():
    assert normalize_meet_id("123 456 789") == "123456789"
    assert normalize_meet_id("123-456-789") == "123456789"
    assert normalize_meet_id(" 123456789 ") == "123456789"
    assert normalize_meet_id("12345678") is None
    assert normalize_meet_id("١٢٣٤٥٦٧٨٩") is None  # non-ASCII digits


def test_meet_id_is_shown_in_groups_of_three():
    assert display_meet_id("123456789") == "123 456 789"


def test_session_token_carries_256_bits():
    import base64

    token = new_session_token()
    assert len(base64.urlsafe_b64decode(token + "=")) == 32


def test_every_character_of_a_long_password_counts():
    long = "x" * 100
    hashed = hash_password(long + "A", 4)
    assert check_password(long + "A", hashed)
    assert not check_password(long + "B", hashed)


def test_password_with_nul_byte_is_significant():
    hashed = hash_password("abc\0def-ghijk", 4)
    assert not check_password("abc\0zzz-ghijk", hashed)


def test_short_password_is_refused_with_reason():
    assert "at least 10" in password_problem("short", PasswordPolicy(10))
    assert password_problem("long enough password", PasswordPolicy(10)) is None


@pytest.mark.parametrize(
    "rule, refused, accepted",
    [
        ("require_uppercase", "all lower case here", "One Upper here"),
        ("require_lowercase", "ALL UPPER CASE HERE", "ALL UPPER bUT ONE"),
        ("require_digit", "no digits in this one", "one digit: 7 here"),
        ("require_special", "letters and 123 only", "a hash # in here"),
    ],
)
def test_each_character_rule_refuses_naming_itself_and_accepts_a_password_that_has_it(rule, refused, accepted):
    policy = PasswordPolicy(10, **{rule: True})
    assert rule in password_problem(refused, policy)
    assert password_problem(accepted, policy) is None


def test_the_default_policy_asks_only_for_length():
    assert password_problem("lowercase only", PasswordPolicy()) is None
    assert "min_length" in password_problem("short", PasswordPolicy())


def test_password_threads_run_below_the_event_loops_priority():
    import concurrent.futures
    import os
    import threading

    from openlifter.auth import passwords

    with concurrent.futures.ThreadPoolExecutor(1, initializer=passwords.lower_this_threads_priority) as pool:
        niceness = pool.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result()
    assert niceness >= os.getpriority(os.PRIO_PROCESS, 0) + passwords.PASSWORD_THREAD_NICENESS or niceness == 19
