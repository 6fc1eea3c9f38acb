"""`traderagent keys add|list|remove|rotate-key`: exchange API keys, encrypted at rest.

Keys and secrets are never printed: only a masked key (`AbCd…WxYz`). The secret is prompted
for (no echo) or read from stdin when it is not a terminal, unless --api-secret is given.
`--passphrase` says the exchange also wants one (OKX): it is prompted for the same way, or
read from the next line of stdin; it is never an argument's value.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from traderagent.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Subcommands,
    help_handler,
    run_async,
)
from traderagent.commands.db import add_database_options, database_target

if TYPE_CHECKING:
    from storage import CredentialStore

NEW_KEY_ENV = "TRADERAGENT_NEW_ENCRYPTION_KEY"


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="exchange API keys (stored encrypted)")
    keys.set_defaults(handler=help_handler(keys))
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    add = actions.add_parser("add", help="store an API key pair under a name")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--api-key", required=True, metavar="KEY")
    add.add_argument(
        "--api-secret", metavar="SECRET", help="default: prompted for, or read from stdin"
    )
    add.add_argument(
        "--passphrase",
        action="store_true",
        help="the exchange also wants a passphrase (OKX): prompted for, or read from the "
        "next line of stdin (after the secret's)",
    )
    listing = actions.add_parser("list", help="names, masked keys and when they were stored")
    remove = actions.add_parser("remove", help="delete a stored key pair")
    remove.add_argument("name", metavar="NAME")
    rotate = actions.add_parser(
        "rotate-key", help="re-encrypt every key pair with a new encryption key"
    )
    for parser in (add, listing, remove, rotate):
        add_database_options(parser)
    add.set_defaults(handler=keys_add)
    listing.set_defaults(handler=lambda args: _run(args, keys_list))
    remove.set_defaults(handler=lambda args: _run(args, keys_remove))
    rotate.set_defaults(handler=lambda args: _run(args, keys_rotate))


def _read_secret(prompt: str = "API secret: ") -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def keys_add(args: argparse.Namespace) -> int:
    secret = args.api_secret if args.api_secret is not None else _read_secret()
    if not secret or not args.api_key:
        print("error: the API key and the API secret must not be empty", file=sys.stderr)
        return EXIT_USAGE
    args.secret = secret
    args.phrase = _read_secret("API passphrase: ") if args.passphrase else None
    if args.passphrase and not args.phrase:
        print("error: --passphrase: the passphrase must not be empty", file=sys.stderr)
        return EXIT_USAGE
    return _run(args, _add, create_key=True)


def _run(
    args: argparse.Namespace,
    action: Callable[[CredentialStore, argparse.Namespace], Awaitable[int]],
    *,
    create_key: bool = False,
) -> int:
    from storage import StorageError

    try:
        return run_async(_with_store(args, action, create_key))
    except StorageError as err:
        print(f"error: {err}{_interrupted_rotation_hint(err)}", file=sys.stderr)
        return EXIT_ERROR


def _interrupted_rotation_hint(err: Exception) -> str:
    from storage import CredentialError
    from traderagent.paths import encryption_key_path

    pending = _pending_key_path(encryption_key_path())
    if isinstance(err, CredentialError) and pending.exists():
        return f" (a key rotation was interrupted: the new key is in {pending})"
    return ""


def _pending_key_path(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".new")


async def _with_store(
    args: argparse.Namespace,
    action: Callable[[CredentialStore, argparse.Namespace], Awaitable[int]],
    create_key: bool,
) -> int:
    from storage import CredentialStore, Database, load_encryption_key
    from storage.credentials import ENCRYPTION_KEY_ENV
    from traderagent.paths import encryption_key_path

    key_file = encryption_key_path()
    created = create_key and not os.environ.get(ENCRYPTION_KEY_ENV) and not key_file.exists()
    key = load_encryption_key(os.environ.get(ENCRYPTION_KEY_ENV), key_file, create=create_key)
    if created:
        print(
            f"created encryption key file {key_file} (mode 0600): back it up, the stored "
            "keys cannot be decrypted without it"
        )
    database = await Database.open(database_target(args))
    try:
        return await action(CredentialStore(database, key), args)
    finally:
        await database.close()


async def _audit(store: CredentialStore, command: str, target: str, outcome: str) -> None:
    import socket
    import time

    from storage import AuditRecord, AuditRepository

    record = AuditRecord(
        ts=time.time_ns() // 1_000_000,
        actor=getpass.getuser(),
        source=f"cli {socket.gethostname()}",
        command=command,
        target=target,
        outcome=outcome,
    )
    await AuditRepository(store.database).add(record)


async def _add(store: CredentialStore, args: argparse.Namespace) -> int:
    pair = await store.add(args.name, args.api_key, args.secret, args.phrase)
    await _audit(store, "keys add", args.name, "ok")
    extra = " and passphrase" if pair.passphrase is not None else ""
    print(f"stored {pair.name}: key {pair.masked_key}{extra}, encrypted with {store.key.source}")
    return EXIT_OK


async def keys_list(store: CredentialStore, _args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    infos = await store.list()
    if not infos:
        print("no API keys stored; add one with `traderagent keys add NAME --api-key KEY`")
        return EXIT_OK
    width = max(len(info.name) for info in infos)
    print(f"{'name':<{width}}  {'key':<22}  stored (UTC)")
    for info in infos:
        stored = datetime.fromtimestamp(info.created_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
        extra = "  + passphrase" if info.passphrase else ""
        print(f"{info.name:<{width}}  {info.masked_key:<22}  {stored}{extra}")
    if not all(info.readable for info in infos):
        print(f"some keys cannot be decrypted with {store.key.source}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


async def keys_remove(store: CredentialStore, args: argparse.Namespace) -> int:
    if not await store.remove(args.name):
        print(f"error: no API key named {args.name!r}", file=sys.stderr)
        return EXIT_ERROR
    await _audit(store, "keys remove", args.name, "ok")
    print(f"removed {args.name}")
    return EXIT_OK


async def keys_rotate(store: CredentialStore, _args: argparse.Namespace) -> int:
    from storage import EncryptionKey, StorageError
    from storage.credentials import ENCRYPTION_KEY_ENV, write_key_file

    key_file = store.key.file
    if key_file is None:
        new_text = os.environ.get(NEW_KEY_ENV)
        if not new_text:
            print(
                f"error: the key comes from {ENCRYPTION_KEY_ENV}: put the new key in "
                f"{NEW_KEY_ENV} for this command, then set {ENCRYPTION_KEY_ENV} to it",
                file=sys.stderr,
            )
            return EXIT_USAGE
        count = await store.rotate_key(EncryptionKey.parse(new_text, NEW_KEY_ENV))
        print(f"re-encrypted {count} API key(s); now set {ENCRYPTION_KEY_ENV} to the new key")
    else:
        # The new key is on disk before the database changes, so a crash cannot lose it.
        pending = _pending_key_path(key_file)
        new_key = EncryptionKey.generate(f"key file {key_file}", key_file)
        write_key_file(pending, new_key)
        try:
            count = await store.rotate_key(new_key)
        except StorageError:
            pending.unlink()
            raise
        os.replace(pending, key_file)
        print(f"re-encrypted {count} API key(s) with a new key in {key_file}")
    await _audit(store, "keys rotate-key", "*", f"ok: {count} re-encrypted")
    return EXIT_OK
