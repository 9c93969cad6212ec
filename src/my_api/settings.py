"""Settings: one frozen attrs class, read from ``MY_API_*`` environment variables.

``load_settings`` never raises: a bad environment is a ``Failure`` listing
every variable that is wrong and why, which the CLI prints before exiting.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import cattrs
from returns.result import Failure, Result, Success

PREFIX = "MY_API_"
# Variables the test suite reads (server URLs); not settings of the service.
TEST_PREFIX = "MY_API_TEST_"


class LogLevel(enum.Enum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


def _database_url(_: object, _attribute: attrs.Attribute[str], value: str) -> None:
    scheme = value.split(":", 1)[0]
    if scheme not in {"sqlite", "postgresql", "postgres"} or "://" not in value:
        raise ValueError("must be a sqlite:///path or postgresql://user@host/db URL")


def _between(low: float, high: float) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    def check(_: object, _attribute: attrs.Attribute[Any], value: float) -> None:
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")

    return check


def _secret(_: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if value and len(value) < 32:
        raise ValueError("must be empty or at least 32 characters")


@attrs.frozen(kw_only=True)
class Settings:
    database_url: str = attrs.field(default="sqlite:///./var/my_api.db", validator=_database_url)
    host: str = "127.0.0.1"
    port: int = attrs.field(default=8000, validator=_between(1, 65535))
    log_level: LogLevel = LogLevel.INFO
    access_log: bool = True
    max_body_bytes: int = attrs.field(default=1_048_576, validator=_between(1, 1 << 30))
    db_pool_min_size: int = attrs.field(default=1, validator=_between(0, 1000))
    db_pool_max_size: int = attrs.field(default=10, validator=_between(1, 1000))
    db_acquire_timeout_seconds: float = attrs.field(default=5.0, validator=_between(0.01, 300))
    health_timeout_seconds: float = attrs.field(default=2.0, validator=_between(0.01, 60))
    require_if_match: bool = False
    migrate_on_start: bool = True
    hsts_max_age_seconds: int = attrs.field(default=0, validator=_between(0, 10 * 365 * 86400))
    # Signs keyset cursors. Empty: a random secret per process, so cursors do not
    # survive a restart or cross instances; set it when running several.
    cursor_secret: str = attrs.field(default="", repr=False, validator=_secret)
    # Limits on one list query (docs/query-language.md#limits). The highest values
    # allowed still keep every accepted query inside both databases' own limits.
    query_max_depth: int = attrs.field(default=8, validator=_between(1, 12))
    query_max_terms: int = attrs.field(default=64, validator=_between(1, 256))
    query_max_in_values: int = attrs.field(default=500, validator=_between(1, 10_000))
    query_max_length: int = attrs.field(default=16_384, validator=_between(256, 1_048_576))

    def __attrs_post_init__(self) -> None:
        if self.db_pool_min_size > self.db_pool_max_size:
            raise ValueError(
                f"{PREFIX}DB_POOL_MIN_SIZE ({self.db_pool_min_size}) must not exceed "
                f"{PREFIX}DB_POOL_MAX_SIZE ({self.db_pool_max_size})"
            )


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool(text: str, _: type) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE | _FALSE:
        return lowered in _TRUE
    raise ValueError("must be one of true/false, yes/no, on/off, 1/0")


def _int(text: str, _: type) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("must be an integer") from None


def _float(text: str, _: type) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError("must be a number") from None


def _log_level(text: str, _: type) -> LogLevel:
    try:
        return LogLevel(text.strip().upper())
    except ValueError:
        raise ValueError(f"must be one of {', '.join(level.value for level in LogLevel)}") from None


_ENV = cattrs.Converter()
_ENV.register_structure_hook(bool, _bool)
_ENV.register_structure_hook(int, _int)
_ENV.register_structure_hook(float, _float)
_ENV.register_structure_hook(LogLevel, _log_level)


def env_name(field: str) -> str:
    return PREFIX + field.upper()


def load_settings(environ: Mapping[str, str]) -> Result[Settings, tuple[str, ...]]:
    """Settings from the environment, or one message per bad variable.

    >>> load_settings({"MY_API_PORT": "80"}).unwrap().port
    80
    >>> load_settings({"MY_API_PORT": "eighty"}).failure()
    ("MY_API_PORT: must be an integer (got 'eighty')",)
    """
    fields = attrs.fields_dict(attrs.resolve_types(Settings))
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, field in fields.items():
        variable = env_name(name)
        if variable not in environ:
            continue
        raw = environ[variable]
        try:
            value = _ENV.structure(raw, field.type)  # type: ignore[arg-type]
            if field.validator is not None:
                field.validator(None, field, value)
        except ValueError as reason:
            shown = "<hidden>" if name == "cursor_secret" else repr(raw)
            problems.append(f"{variable}: {reason} (got {shown})")
        else:
            values[name] = value
    known = {env_name(name) for name in fields}
    problems.extend(
        f"{variable}: is not a known setting (known: {', '.join(sorted(known))})"
        for variable in sorted(environ)
        if variable.startswith(PREFIX)
        and variable not in known
        and not variable.startswith(TEST_PREFIX)
    )
    if problems:
        return Failure(tuple(problems))
    try:
        return Success(Settings(**values))
    except ValueError as reason:
        return Failure((str(reason),))
