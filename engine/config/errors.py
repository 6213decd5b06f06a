"""The one error a setting raises, and the check of a setting against its limits: below the
settings and the start points, which both refuse with them."""

from __future__ import annotations

from engine.config.limits import LIMITS


class ConfigError(ValueError):
    """A setting a user gave is not acceptable; the message is one line meant for them."""


def check_limits(key: str, value: object) -> None:
    """``ConfigError`` unless ``value`` is within setting ``key``'s :data:`LIMITS`."""
    complaint = LIMITS[key].complaint(value)
    if complaint is not None:
        raise ConfigError(complaint)
