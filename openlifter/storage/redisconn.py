"""What every part of the redis store shares about talking to Redis."""

from __future__ import annotations

import contextlib
from typing import Iterator

import redis

from openlifter.storage.files import StorageError


@contextlib.contextmanager
def redis_errors(action: str) -> Iterator[None]:
    """Map the client's connection and timeout errors to StorageError with a short reason
    (never the URL, which may hold a password). Refusals (ResponseError) pass through:
    the caller names what they mean."""
    try:
        yield
    except redis.ResponseError:
        raise
    except redis.RedisError as error:
        raise StorageError(f"{action}: Redis is unreachable ({error.__class__.__name__})") from error
