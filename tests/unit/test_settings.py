"""Settings come from ``MY_API_*`` variables; a bad environment is reported, never raised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Success

from my_api.settings import AuthMode, LogLevel, Settings, env_name, load_settings

# One non-default value per field, as the environment spells it, and the value
# it must become. Kept in step with Settings by the first test below.
NON_DEFAULTS: dict[str, tuple[str, Any]] = {
    "database_url": (
        "postgresql://app@db.internal:5432/app",
        "postgresql://app@db.internal:5432/app",
    ),
    "host": ("0.0.0.0", "0.0.0.0"),  # noqa: S104 - a value under test, nothing binds to it
    "port": ("9090", 9090),
    "log_level": ("debug", LogLevel.DEBUG),
    "access_log": ("false", False),
    "max_body_bytes": ("2048", 2048),
    "db_pool_min_size": ("2", 2),
    "db_pool_max_size": ("20", 20),
    "db_acquire_timeout_seconds": ("1.5", 1.5),
    "health_timeout_seconds": ("0.25", 0.25),
    "require_if_match": ("yes", True),
    "migrate_on_start": ("off", False),
    "hsts_max_age_seconds": ("31536000", 31_536_000),
    "cursor_secret": ("s" * 32, "s" * 32),
    # Authentication (docs/auth.md); with auth off the JWT fields are only stored.
    "auth": ("off", AuthMode.OFF),
    "auth_public_reads": ("yes", True),
    "jwt_issuer": ("https://issuer.example/", "https://issuer.example/"),
    "jwt_audience": ("my-api", "my-api"),
    "jwt_algorithms": ("ES256,RS256", "ES256,RS256"),
    "jwt_jwks_url": ("https://issuer.example/jwks", "https://issuer.example/jwks"),
    "jwt_key": ("k" * 40, "k" * 40),
    "jwt_leeway_seconds": ("30", 30),
    "max_header_bytes": ("8192", 8192),
    "keep_alive_timeout_seconds": ("15", 15),
    "body_timeout_seconds": ("2.5", 2.5),
    "shutdown_timeout_seconds": ("3", 3),
    "allowed_hosts": ("api.example.com", "api.example.com"),
    "db_statement_timeout_seconds": ("1.5", 1.5),
    "db_lock_timeout_seconds": ("0.5", 0.5),
    "query_max_depth": ("4", 4),
    "query_max_terms": ("100", 100),
    "query_max_in_values": ("1000", 1000),
    "query_max_length": ("4096", 4096),
    "relay": ("off", False),
    "relay_poll_seconds": ("0.25", 0.25),
    "relay_batch": ("500", 500),
    "relay_handler_attempts": ("3", 3),
    "event_subscribers": (
        "shop.audit:subscribe, shop.mail:subscribe",
        "shop.audit:subscribe, shop.mail:subscribe",
    ),
}

TRUE_WORDS = ["true", "yes", "on", "1"]
FALSE_WORDS = ["false", "no", "off", "0"]
BOOLEAN_FIELDS = [field.name for field in attrs.fields(Settings) if field.type in (bool, "bool")]


def problems(environ: dict[str, str]) -> tuple[str, ...]:
    loaded = load_settings(environ)
    assert not isinstance(loaded, Success), loaded
    return loaded.failure()


def test_the_table_of_sample_values_covers_every_setting() -> None:
    assert set(NON_DEFAULTS) == set(attrs.fields_dict(Settings))


def test_an_empty_environment_gives_the_documented_defaults() -> None:
    loaded = load_settings({})
    assert loaded == Success(Settings())
    defaults = loaded.unwrap()
    assert defaults.database_url == "sqlite:///./var/my_api.db"
    assert defaults.host == "127.0.0.1"
    assert defaults.port == 8000
    assert defaults.log_level is LogLevel.INFO
    assert defaults.access_log is True
    assert defaults.max_body_bytes == 1_048_576
    assert (defaults.db_pool_min_size, defaults.db_pool_max_size) == (1, 10)
    assert defaults.require_if_match is False
    assert defaults.migrate_on_start is True
    assert defaults.hsts_max_age_seconds == 0


def test_variables_outside_the_prefix_are_ignored() -> None:
    assert load_settings({"PORT": "abc", "PATH": "/bin", "MY_APIPORT": "1"}) == Success(Settings())


@pytest.mark.parametrize("field", sorted(NON_DEFAULTS))
def test_every_setting_can_be_set_by_its_prefixed_upper_case_variable(field: str) -> None:
    raw, expected = NON_DEFAULTS[field]
    assert env_name(field) == "MY_API_" + field.upper()
    loaded = load_settings({env_name(field): raw}).unwrap()
    assert getattr(loaded, field) == expected
    assert getattr(loaded, field) != getattr(Settings(), field)


def test_all_settings_can_be_set_together() -> None:
    environ = {env_name(field): raw for field, (raw, _) in NON_DEFAULTS.items()}
    loaded = load_settings(environ).unwrap()
    assert attrs.asdict(loaded, recurse=False) == {
        field: expected for field, (_, expected) in NON_DEFAULTS.items()
    }


@pytest.mark.parametrize("field", BOOLEAN_FIELDS)
@pytest.mark.parametrize(
    ("word", "expected"),
    [*((word, True) for word in TRUE_WORDS), *((word, False) for word in FALSE_WORDS)],
)
def test_booleans_accept_true_false_yes_no_on_off_and_1_0(
    field: str, word: str, *, expected: bool
) -> None:
    assert getattr(load_settings({env_name(field): word}).unwrap(), field) is expected


@settings(max_examples=50)
@given(
    word=st.sampled_from(TRUE_WORDS + FALSE_WORDS),
    case=st.sampled_from([str.lower, str.upper, str.title, str.swapcase]),
    padding=st.sampled_from(["", " ", "\t", "  "]),
)
def test_boolean_words_are_read_regardless_of_case_and_surrounding_space(
    word: str, case: Callable[[str], str], padding: str
) -> None:
    loaded = load_settings({"MY_API_ACCESS_LOG": padding + case(word) + padding}).unwrap()
    assert loaded.access_log is (word in TRUE_WORDS)


@settings(max_examples=50)
@given(port=st.integers(min_value=1, max_value=65535))
def test_any_port_in_range_round_trips_through_its_decimal_text(port: int) -> None:
    assert load_settings({"MY_API_PORT": str(port)}).unwrap().port == port


@pytest.mark.parametrize(
    ("variable", "raw", "reason"),
    [
        ("MY_API_PORT", "abc", "must be an integer"),
        ("MY_API_PORT", "0", "must be between 1 and 65535"),
        ("MY_API_PORT", "65536", "must be between 1 and 65535"),
        ("MY_API_PORT", "80.5", "must be an integer"),
        ("MY_API_LOG_LEVEL", "LOUD", "must be one of DEBUG, INFO, WARNING, ERROR"),
        ("MY_API_DATABASE_URL", "mysql://x", "must be a sqlite:///path or postgresql://"),
        ("MY_API_DATABASE_URL", "sqlite:relative.db", "must be a sqlite:///path or postgresql://"),
        ("MY_API_ACCESS_LOG", "maybe", "must be one of true/false, yes/no, on/off, 1/0"),
        ("MY_API_REQUIRE_IF_MATCH", "", "must be one of true/false, yes/no, on/off, 1/0"),
        ("MY_API_DB_ACQUIRE_TIMEOUT_SECONDS", "soon", "must be a number"),
        ("MY_API_DB_ACQUIRE_TIMEOUT_SECONDS", "nan", "must be between"),
        ("MY_API_HEALTH_TIMEOUT_SECONDS", "inf", "must be between"),
        ("MY_API_MAX_BODY_BYTES", "0", "must be between"),
        ("MY_API_RELAY", "sometimes", "must be one of true/false, yes/no, on/off, 1/0"),
        ("MY_API_RELAY_POLL_SECONDS", "0", "must be between 0.01 and 60"),
        ("MY_API_RELAY_BATCH", "0", "must be between 1 and 10000"),
        ("MY_API_RELAY_BATCH", "1e3", "must be an integer"),
        ("MY_API_RELAY_HANDLER_ATTEMPTS", "101", "must be between 1 and 100"),
        ("MY_API_EVENT_SUBSCRIBERS", "shop.audit", "is not of the form package.module:function"),
        ("MY_API_EVENT_SUBSCRIBERS", "a:b, c d:e", "is not of the form package.module:function"),
    ],
)
def test_a_bad_value_is_reported_with_the_variable_the_reason_and_the_given_value(
    variable: str, raw: str, reason: str
) -> None:
    (message,) = problems({variable: raw})
    assert message.startswith(f"{variable}: ")
    assert reason in message
    assert repr(raw) in message


def test_a_pool_minimum_above_its_maximum_is_reported_naming_both_variables() -> None:
    (message,) = problems({"MY_API_DB_POOL_MIN_SIZE": "5", "MY_API_DB_POOL_MAX_SIZE": "2"})
    assert "MY_API_DB_POOL_MIN_SIZE" in message
    assert "MY_API_DB_POOL_MAX_SIZE" in message
    assert "must not exceed" in message
    assert "5" in message
    assert "2" in message


def test_a_pool_minimum_above_the_default_maximum_is_refused() -> None:
    (message,) = problems({"MY_API_DB_POOL_MIN_SIZE": "11"})
    assert "MY_API_DB_POOL_MIN_SIZE (11)" in message
    assert "MY_API_DB_POOL_MAX_SIZE (10)" in message


def test_every_bad_variable_is_reported_at_once() -> None:
    found = problems(
        {
            "MY_API_PORT": "abc",
            "MY_API_LOG_LEVEL": "LOUD",
            "MY_API_DATABASE_URL": "mysql://x",
            "MY_API_ACCESS_LOG": "maybe",
            "MY_API_PROT": "8080",
        }
    )
    assert len(found) == 5
    for variable in (
        "MY_API_PORT",
        "MY_API_LOG_LEVEL",
        "MY_API_DATABASE_URL",
        "MY_API_ACCESS_LOG",
        "MY_API_PROT",
    ):
        assert sum(message.startswith(f"{variable}: ") for message in found) == 1


def test_a_misspelt_variable_is_reported_as_unknown_and_the_known_ones_are_listed() -> None:
    (message,) = problems({"MY_API_PROT": "8080"})
    assert message.startswith("MY_API_PROT: is not a known setting")
    assert "MY_API_PORT" in message


def test_a_misspelt_variable_is_reported_even_next_to_good_ones() -> None:
    (message,) = problems({"MY_API_PORT": "8080", "MY_API_LOGLEVEL": "DEBUG"})
    assert message.startswith("MY_API_LOGLEVEL: ")


def test_the_test_suites_own_variables_are_not_settings_and_are_ignored() -> None:
    environ = {
        "MY_API_TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "MY_API_TEST_REQUIRE_SERVICES": "1",
        "MY_API_TEST_ANYTHING_ELSE": "garbage",
    }
    assert load_settings(environ) == Success(Settings())


def test_loading_never_raises_even_for_hostile_values() -> None:
    environ = {env_name(field): "\x00\udcff" + "9" * 5000 for field in NON_DEFAULTS}
    found = problems(environ)
    # Every field but the free-text host, allowed hosts, cursor secret and JWT key is
    # refused, one message each.
    assert len(found) == len(NON_DEFAULTS) - 4


def test_a_short_cursor_secret_is_refused_without_echoing_it() -> None:
    problems = load_settings({"MY_API_CURSOR_SECRET": "short-secret"}).failure()
    assert problems == (
        "MY_API_CURSOR_SECRET: must be empty or at least 32 characters (got <hidden>)",
    )
