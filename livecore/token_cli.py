"""``livecore token --user U --role R [--room ID]``: print a signed access token."""

from __future__ import annotations

import argparse

from .auth import Role, issue
from .config import Settings
from .protocol.ids import ROOM_ID_RULE, valid_room_id


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, help="user id (the token's subject)")
    parser.add_argument("--role", default="viewer", choices=[r.value for r in Role], help="what the token may do")
    parser.add_argument("--name", default=None, help="display name (default: the user id)")
    parser.add_argument("--room", default=None,
                        help="bind the token to one room, required for hosts (default: any room)")
    parser.add_argument("--ttl", type=int, default=12 * 3600, help="seconds until it expires")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.role == Role.HOST and not args.room:
        raise SystemExit("a host token must name its room: --room ID")
    if args.room is not None and not valid_room_id(args.room):
        raise SystemExit(f"--room: a room id is {ROOM_ID_RULE}")
    print(issue(settings.secret, args.user, role=args.role, name=args.name, room=args.room, ttl_s=args.ttl))
    return 0
