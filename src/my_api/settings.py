"""Settings: one frozen attrs class, read from ``MY_API_*`` environment variables.

``load_settings`` never raises: a bad environment is a ``Failure`` listing
every variable that is wrong and why, which the CLI prints before exiting.
"""

from __future__ import annotations

import enum
import ipaddress
import re
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


class AuthMode(enum.Enum):
    # No authentication, and ``my-api serve`` refuses a non-loopback address (the default).
    LOCAL = "local"
    # No authentication anywhere: an explicit choice, logged at start-up.
    OFF = "off"
    API_KEYS = "api_keys"
    JWT = "jwt"


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


_ASYMMETRIC = {f"{family}{bits}" for family in ("RS", "PS", "ES") for bits in (256, 384, 512)}
_ALGORITHMS = _ASYMMETRIC | {"HS256", "HS384", "HS512", "EdDSA"}


def _algorithms(_: object, _attribute: attrs.Attribute[str], value: str) -> None:
    """An allow-list; ``none`` is never in it, nor HMAC mixed with public keys."""
    names = algorithm_names(value)
    unknown = [name for name in names if name not in _ALGORITHMS]
    if not names or unknown:
        raise ValueError(f"must be a comma-separated list of {', '.join(sorted(_ALGORITHMS))}")
    if len({name.startswith("HS") for name in names}) > 1:
        raise ValueError("must not mix HS* (shared secret) with public-key algorithms")


def algorithm_names(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


# ``package.module:function``: a dotted module path, a colon, an identifier.
_SUBSCRIBER = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*")


def _subscribers(_: object, _attribute: attrs.Attribute[str], value: str) -> None:
    for entry in subscriber_paths(value):
        if not _SUBSCRIBER.fullmatch(entry):
            raise ValueError(f"{entry!r} is not of the form package.module:function")


def subscriber_paths(value: str) -> tuple[str, ...]:
    """The comma-separated ``module:function`` entries of ``MY_API_EVENT_SUBSCRIBERS``."""
    return tuple(entry.strip() for entry in value.split(",") if entry.strip())


def _printable(_: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not value.isprintable() or len(value) > 1000:
        raise ValueError("must be printable text of at most 1000 characters")


def _https_url(_: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if value and (not value.startswith(("https://", "http://")) or not value.isprintable()):
        raise ValueError("must be empty or an https:// (or http://) URL")


def _check_jwt(settings: Settings) -> None:
    missing = [
        env_name(name) for name in ("jwt_issuer", "jwt_audience") if not getattr(settings, name)
    ]
    if missing:
        raise ValueError(f"{PREFIX}AUTH=jwt needs {' and '.join(missing)}")
    if bool(settings.jwt_jwks_url) == bool(settings.jwt_key):
        raise ValueError(
            f"{PREFIX}AUTH=jwt needs exactly one of {PREFIX}JWT_JWKS_URL and {PREFIX}JWT_KEY"
        )
    if settings.jwt_jwks_url and algorithm_names(settings.jwt_algorithms)[0].startswith("HS"):
        raise ValueError(
            f"{PREFIX}JWT_ALGORITHMS HS* take a shared {PREFIX}JWT_KEY, not a JWKS URL"
        )
    if settings.jwt_key and algorithm_names(settings.jwt_algorithms)[0].startswith("HS"):
        _secret(None, attrs.fields(Settings).jwt_key, settings.jwt_key or "-")


def is_loopback(host: str) -> bool:
    """
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost")
    (True, True, True)
    >>> is_loopback("0.0.0.0"), is_loopback("example.com")
    (False, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def auth_refusal(auth: AuthMode, host: str) -> str | None:
    """Why the service must not serve on ``host`` with this mode, if it must not.

    >>> auth_refusal(AuthMode.LOCAL, "127.0.0.1") is None
    True
    >>> auth_refusal(AuthMode.OFF, "0.0.0.0") is None
    True
    >>> auth_refusal(AuthMode.LOCAL, "0.0.0.0").split(":")[0]
    'refusing to serve on 0.0.0.0 without authentication'

    """
    if auth is not AuthMode.LOCAL or is_loopback(host):
        return None
    return (
        f"refusing to serve on {host} without authentication: set {PREFIX}AUTH=api_keys or "
        f"{PREFIX}AUTH=jwt, or {PREFIX}AUTH=off to serve without authentication on purpose"
    )


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
    # Authentication (docs/auth.md). Reads need ``<resource>:read`` unless public.
    auth: AuthMode = AuthMode.LOCAL
    auth_public_reads: bool = False
    jwt_issuer: str = attrs.field(default="", validator=_printable)
    jwt_audience: str = attrs.field(default="", validator=_printable)
    jwt_algorithms: str = attrs.field(default="RS256", validator=_algorithms)
    jwt_jwks_url: str = attrs.field(default="", validator=_https_url)
    # A PEM public key, or the shared secret of the HS* algorithms.
    jwt_key: str = attrs.field(default="", repr=False)
    jwt_leeway_seconds: int = attrs.field(default=0, validator=_between(0, 300))
    # The server edge and the database's time limits (docs/configuration.md#limits-at-the-edge).
    max_header_bytes: int = attrs.field(default=16_384, validator=_between(1024, 1 << 20))
    keep_alive_timeout_seconds: int = attrs.field(default=5, validator=_between(1, 600))
    body_timeout_seconds: float = attrs.field(default=30.0, validator=_between(0.1, 3600))
    shutdown_timeout_seconds: int = attrs.field(default=10, validator=_between(0, 3600))
    # Comma-separated host names (``*.example.com`` allowed); ``*`` allows any. Empty:
    # any Host while the service binds a loopback address, and start-up refused otherwise.
    allowed_hosts: str = ""
    db_statement_timeout_seconds: float = attrs.field(default=10.0, validator=_between(0.01, 3600))
    db_lock_timeout_seconds: float = attrs.field(default=5.0, validator=_between(0.01, 3600))
    # Limits on one list query (docs/query-language.md#limits). The highest values
    # allowed still keep every accepted query inside both databases' own limits.
    query_max_depth: int = attrs.field(default=8, validator=_between(1, 12))
    query_max_terms: int = attrs.field(default=64, validator=_between(1, 256))
    query_max_in_values: int = attrs.field(default=500, validator=_between(1, 10_000))
    query_max_length: int = attrs.field(default=16_384, validator=_between(256, 1_048_576))
    # Domain events (docs/events.md): the relay in the service's process (off when
    # ``my-api relay`` runs it apart), how often it and the feed's long polls look for
    # other processes' events, how many events a pass takes, and how many calls a
    # handler gets per event before the event is parked for it.
    relay: bool = True
    relay_poll_seconds: float = attrs.field(default=1.0, validator=_between(0.01, 60))
    relay_batch: int = attrs.field(default=100, validator=_between(1, 10_000))
    relay_handler_attempts: int = attrs.field(default=5, validator=_between(1, 100))
    # Comma-separated ``package.module:function``s, each called with the service's
    # ``EventHandlers`` when the container is built, to subscribe its handlers: the
    # same in ``serve``, ``relay`` and ``events --replay``.
    event_subscribers: str = attrs.field(default="", validator=_subscribers)

    def __attrs_post_init__(self) -> None:
        if self.auth is AuthMode.JWT:
            _check_jwt(self)
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


def _auth_mode(text: str, _: type) -> AuthMode:
    try:
        return AuthMode(text.strip().lower())
    except ValueError:
        raise ValueError(f"must be one of {', '.join(mode.value for mode in AuthMode)}") from None


_ENV.register_structure_hook(AuthMode, _auth_mode)
_HIDDEN = {"cursor_secret", "jwt_key"}


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
            shown = "<hidden>" if name in _HIDDEN else repr(raw)
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
