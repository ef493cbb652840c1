"""Nothing a client sends may crash the server or corrupt a meet."""

import inspect
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openlifter.protocol.schema import Limits, Malformed, parse_envelope, run_steps
from openlifter.protocol.commands import COMMANDS

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
FIELDS = ["sessionToken", "updates", "updateKey", "updateValue", "localSeqNum", "afterServerSeqNum", "lastServerSeq",
          "meetId", "password", "locationName", "endpoints", "thisLocationName", "priority", "returnEmail", "oplCsv", "serverSeqNum"]
messages = st.fixed_dictionaries(
    {"msgType": st.sampled_from(sorted(COMMANDS))},
    optional={name: json_values | st.lists(st.dictionaries(st.sampled_from(FIELDS), json_values), max_size=3) for name in FIELDS},
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(messages)
def test_every_parser_either_returns_a_typed_request_or_names_the_problem(message):
    msg_type, parsed = parse_envelope(json.dumps(message))
    try:
        request = COMMANDS[msg_type].parse(parsed, Limits())
        if inspect.isgenerator(request):  # a parser of many items works in steps
            run_steps(request)
    except Malformed as error:
        assert str(error)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_arbitrary_frames_are_refused_cleanly(frame):
    try:
        parse_envelope(frame)
    except Malformed as error:
        assert str(error)
