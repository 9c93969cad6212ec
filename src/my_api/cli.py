"""The ``my-api`` command: ``serve``, ``migrate``, ``keys``, ``relay`` and ``events``.

Configuration errors and unreachable databases end in one line naming the
problem and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

import databases
import uvicorn
from lagom import Container
from returns.result import Failure

from my_api.adapters.http.middleware.allowed_hosts import allowed_hosts
from my_api.adapters.sql.errors import DATABASE_ERRORS
from my_api.adapters.sql.migrations import MigrationRunner
from my_api.application.api_keys import ApiKeyUseCases
from my_api.application.relay import Relay
from my_api.bootstrap import StartupError, build_container, prepare_database, stop_relay
from my_api.kernel.api_keys import ApiKey
from my_api.kernel.errors import AppError, InvalidInput, NotFound
from my_api.kernel.handler_progress import Parked
from my_api.kernel.io_edge import performed
from my_api.logging import configure_logging
from my_api.settings import Settings, auth_refusal, env_name, load_settings

EXIT_CONFIG = 2
EXIT_FAILED = 1

# A command that needs the database: the service's container in, exit status out.
Command = Callable[[Container], Awaitable[int]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="my-api", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", help="interface to bind (default: MY_API_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default: MY_API_PORT or 8000)")
    serve.add_argument("--reload", action="store_true", help="restart when source files change")
    migrate = commands.add_parser("migrate", help="apply pending migrations")
    migrate.add_argument("--status", action="store_true", help="only report what is applied")
    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key; its secret is shown once")
    create.add_argument("--name", required=True, help="who or what the key is for")
    create.add_argument(
        "--scopes", required=True, help="comma-separated, e.g. items:read,items:write"
    )
    key_commands.add_parser("list", help="every key: id, name, scopes, created, revoked")
    revoke = key_commands.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("id", help="the key's id (as `keys list` shows it)")
    commands.add_parser(
        "relay", help="publish events and run their handlers until SIGTERM or SIGINT"
    )
    events = commands.add_parser("events", help="events handlers gave up on (parked)")
    what = events.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--parked", action="store_true", help="list them: handler, event, type, sequence, ..."
    )
    what.add_argument("--replay", metavar="ID", help="run the handlers once more on event ID")
    return parser


def _fail(message: str, code: int) -> int:
    print(f"my-api: {message}", file=sys.stderr)  # noqa: T201 - this is the CLI's voice
    return code


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    port = args.port if args.port is not None else settings.port
    if not 1 <= port <= 65535:
        return _fail(f"--port: must be between 1 and 65535 (got {port})", EXIT_CONFIG)
    host = args.host or settings.host
    if (refusal := auth_refusal(settings.auth, host)) is not None:
        return _fail(refusal, EXIT_CONFIG)
    hosts = allowed_hosts(settings.allowed_hosts, host)
    if isinstance(hosts, Failure):
        return _fail(f"invalid configuration:\n  {hosts.failure()}", EXIT_CONFIG)
    # uvicorn re-raises the signal that stopped it once it is done; a stop asked for
    # with SIGTERM (what process managers send) is a clean exit, status 0.
    signal.signal(signal.SIGTERM, _stopped)
    # The app factory reads its settings from the environment: it must know the
    # interface actually bound (--host), which decides the allowed hosts.
    os.environ[env_name("host")] = host
    # Check the database (migrate, compare its columns with the entities) before
    # uvicorn starts: a failure in the app's lifespan would end in uvicorn's
    # traceback rather than one clear line.
    prepared = asyncio.run(_on_database(settings, _prepare))
    if prepared != 0:
        return prepared
    uvicorn.run(
        "my_api.app:served_app_from_environment",
        factory=True,
        host=host,
        port=port,
        reload=args.reload,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        # httptools with the request head bounded in size and in time (see the module).
        http="my_api.adapters.http.server_protocol:BoundedHttpToolsProtocol",
        h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_keep_alive=settings.keep_alive_timeout_seconds,
        # Past it, requests still running are cancelled (their units of work roll back).
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        server_header=False,
    )
    return 0


def _stopped(_signal: int, _frame: object) -> None:
    return None


async def _on_database(settings: Settings, command: Command) -> int:
    """Run ``command`` on a connected database; an unusable database is one line, status 1."""
    container = build_container(settings)
    database = container[databases.Database]
    try:
        await database.connect()
        return await command(container)
    except DATABASE_ERRORS as error:
        return _fail(f"cannot use the database: {type(error).__name__}: {error}", EXIT_FAILED)
    finally:
        await database.disconnect()


async def _status(container: Container) -> int:
    statuses = await container[MigrationRunner].status()
    if isinstance(statuses, Failure):
        return _fail(statuses.failure(), EXIT_FAILED)
    for status in statuses.unwrap():
        print(f"{status.version:04d}_{status.name}: {status.state.value}")  # noqa: T201
    return 0


async def _migrate(container: Container) -> int:
    applied = await container[MigrationRunner].apply()
    if isinstance(applied, Failure):
        return _fail(applied.failure(), EXIT_FAILED)
    ran = applied.unwrap()
    for migration in ran:
        print(f"applied {migration.label}")  # noqa: T201
    print(f"{len(ran)} migration(s) applied; the database is up to date")  # noqa: T201
    return 0


async def _prepare(container: Container) -> int:
    """Migrate when configured, and check the schema, as the app's lifespan will."""
    prepared = await prepare_database(container)
    if isinstance(prepared, Failure):
        return _fail(prepared.failure(), EXIT_FAILED)
    return 0


def _key_line(key: ApiKey) -> str:
    revoked = key.revoked_at.isoformat() if key.revoked_at else "-"
    scopes = ",".join(sorted(key.scopes))
    return f"{key.id}  {key.name}  {scopes}  {key.created_at.isoformat()}  revoked={revoked}"


def _key_failure(error: AppError) -> int:
    if isinstance(error, InvalidInput):
        return _fail("; ".join(f"{e.field}: {e.message}" for e in error.errors), EXIT_CONFIG)
    if isinstance(error, NotFound):
        return _fail(f"no live API key with id {error.id!r}", EXIT_FAILED)
    return _fail(f"cannot use the database ({type(error).__name__})", EXIT_FAILED)


def _keys(args: argparse.Namespace) -> Command:
    """Keys live in the database: it is migrated first, as ``serve`` would."""

    async def command(container: Container) -> int:
        prepared = await _prepare(container)
        if prepared != 0:
            return prepared
        keys = container[ApiKeyUseCases]
        if args.keys_command == "create":
            scopes = [scope.strip() for scope in args.scopes.split(",") if scope.strip()]
            created = performed(await keys.create(args.name, scopes))
            if isinstance(created, Failure):
                return _key_failure(created.failure())
            issued = created.unwrap()
            print(_key_line(issued.key))  # noqa: T201
            print(f"secret (shown only now): {issued.token}")  # noqa: T201
        elif args.keys_command == "list":
            listed = performed(await keys.list())
            if isinstance(listed, Failure):
                return _key_failure(listed.failure())
            for key in listed.unwrap():
                print(_key_line(key))  # noqa: T201
        else:
            revoked = performed(await keys.revoke(args.id))
            if isinstance(revoked, Failure):
                return _key_failure(revoked.failure())
            print(f"revoked {revoked.unwrap().id}")  # noqa: T201
        return 0

    return command


async def _relay(container: Container) -> int:
    """The relay as a process of its own, until SIGTERM or SIGINT (then status 0)."""
    prepared = await _prepare(container)
    if prepared != 0:
        return prepared
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stopping in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stopping, stop.set)
    relay = asyncio.create_task(container[Relay].run())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([relay, stopped], return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    await stop_relay(relay)
    return 0


def _parked_line(parked: Parked) -> str:
    event = parked.published.event
    # The error last: it is free text. One line per parking, whatever it says.
    error = parked.error.replace("\n", "\\n")
    return (
        f"{parked.handler}  {event.id}  {event.type}  sequence={parked.published.sequence}  "
        f"parked_at={parked.at.isoformat()}  {error}"
    )


def events_command(args: argparse.Namespace) -> Command:
    """``events --parked`` or ``events --replay ID``; the database is migrated first."""

    async def command(container: Container) -> int:
        event_id: UUID | None = None
        if args.replay is not None:
            try:
                event_id = UUID(args.replay)
            except ValueError:
                return _fail(f"--replay: not an event id (a UUID): {args.replay!r}", EXIT_CONFIG)
        prepared = await _prepare(container)
        if prepared != 0:
            return prepared
        if event_id is None:
            listed = await container[Relay].parked()
            if isinstance(listed, Failure):
                return _fail(f"cannot use the database ({type(listed.failure()).__name__})", 1)
            for parked in listed.unwrap():
                print(_parked_line(parked))  # noqa: T201
            return 0
        return await _replay(container[Relay], event_id)

    return command


async def _replay(relay: Relay, event_id: UUID) -> int:
    replayed = await relay.replay(event_id)
    if isinstance(replayed, Failure):
        if isinstance(replayed.failure(), NotFound):
            return _fail(f"no parked event with id {event_id}", EXIT_FAILED)
        return _fail(f"cannot use the database ({type(replayed.failure()).__name__})", 1)
    status = 0
    for one in replayed.unwrap():
        if one.error is None:
            print(f"replayed {event_id} for {one.handler}: unparked")  # noqa: T201
        else:
            status = _fail(f"{one.handler} on {event_id}: {one.error}; still parked", 1)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    loaded = load_settings(os.environ)
    if isinstance(loaded, Failure):
        problems = loaded.failure()
        return _fail("invalid configuration:\n  " + "\n  ".join(problems), EXIT_CONFIG)
    try:
        return _run(args, loaded.unwrap())
    except StartupError as refused:
        return _fail(str(refused), EXIT_CONFIG)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "keys":
        return asyncio.run(_on_database(settings, _keys(args)))
    if args.command == "relay":
        configure_logging(settings.log_level.value)
        return asyncio.run(_on_database(settings, _relay))
    if args.command == "events":
        return asyncio.run(_on_database(settings, events_command(args)))
    return asyncio.run(_on_database(settings, _status if args.status else _migrate))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
