"""The refusal a person sees: a create, join, publish or attach that is not allowed, and
the reasons it gives (the protocol's replies carry them as they are)."""

from __future__ import annotations


class Rejected(Exception):
    """A request is refused; ``reason`` is for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Reasons (the text clients show to people).
JOIN_BAD_CREDENTIALS = "unknown meet id or wrong password"
JOIN_UNKNOWN_LOCATION = "this meet has no location with that name"
JOIN_RATE_LIMITED = "too many failed attempts from your address; wait a minute and try again"
PASSWORDS_BUSY = "the server is busy checking passwords; try again in a moment (max_pending_password_checks)"
JOIN_MEET_DAMAGED = "this meet's stored data is damaged; ask the server operator"
JOIN_MEET_UNREADABLE = "the server cannot read this meet's files; ask the server operator"
MEET_STORAGE_BUSY = "the server could not read this meet just now; try again later"
MEET_SERVED_ELSEWHERE = "another server process serves this meet; connect to /meets/<meetId>/ws or try again in a few seconds"
CREATE_ON_MEET_ROUTE = "meets are created on /ws; /meets/<meetId>/ws serves one existing meet"
CONNECTION_CLOSED = "the connection closed before the request was done"
FRAME_FOR_ANOTHER_MEET = "this socket serves another meet (/meets/<meetId>/ws); connect to that meet's own address"
STORAGE_FAILED = "the server's storage failed; nothing was changed, try again later"
JOIN_TOO_MANY_CONNECTIONS = "this meet has too many connections (max_connections_per_meet)"
STRANGERS_REFUSED = "too many connections from your address are still starting (sending a request, or not yet in a meet); try again in a moment (max_strangers_per_address)"
CREATE_SERVER_FULL = "the server holds as many meets as it may; try again later"
CREATE_RATE_LIMITED = "too many meets created from your address; wait a minute and try again (creates_per_minute)"
CREATE_STORAGE_FAILED = "the server could not store the meet; try again later"
PUBLISH_EMPTY_CSV = "the OpenPowerlifting CSV is empty"
PUBLISH_BAD_EMAIL = "the return e-mail address is not valid"
PUBLISH_ALREADY = "the meet is already published"
PUBLISH_STORAGE_FAILED = "the server could not store the publication; try again"
UPDATE_STORAGE_FAILED = "the server could not store this update; send it again"
INTERNAL_ERROR = "internal server error; the message was not applied"
