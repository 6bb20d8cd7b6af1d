"""Lua scripts, one file per action, loaded once and called by SHA.

Each ``*.lua`` file starts with a header documenting ``KEYS[n]``, ``ARGV[n]`` and the return value.
``Scripts.load`` runs ``SCRIPT LOAD`` for all of them at start-up; a call is an ``EVALSHA``, and a
``NOSCRIPT`` answer (Redis restarted or failed over with an empty script cache) reloads the script and
retries once, which is what redis-py's ``AsyncScript`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterPipeline
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError


def script_source(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.lua").read_text(encoding="utf-8")


def available() -> list[str]:
    return sorted(p.name[:-4] for p in resources.files(__package__).iterdir() if p.name.endswith(".lua"))


class Scripts:
    """Registry of the scripts bound to one Redis client."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._scripts: dict[str, AsyncScript] = {}

    def get(self, name: str) -> AsyncScript:
        script = self._scripts.get(name)
        if script is None:
            script = self._redis.register_script(script_source(name))
            self._scripts[name] = script
        return script

    async def load(self, names: list[str] | None = None) -> None:
        for name in names or available():
            script = self.get(name)
            script.sha = await self._redis.script_load(script.script)

    async def call(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return await self.get(name)(keys=keys, args=args)

    async def queue(self, pipe: Any, name: str, keys: Sequence[Any], args: Sequence[Any]) -> None:
        """Add a call of ``name`` to ``pipe``. A plain pipeline loads missing scripts itself when it executes;
        a cluster pipeline refuses ``evalsha()``, so there the call is queued as a raw ``EVALSHA`` (every
        primary got the script at start-up: ``SCRIPT LOAD`` goes to all of them) and ``execute`` covers a node
        that restarted with an empty cache."""
        script = self.get(name)
        if isinstance(pipe, ClusterPipeline):
            pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
        else:
            await script(keys=keys, args=args, client=pipe)

    async def execute(self, pipe: Any) -> list[Any]:
        """``pipe.execute()``; on a cluster, a NOSCRIPT reply reloads every script on every primary and the
        pipeline's error stands (the callers run in rounds and repeat idempotent calls)."""
        try:
            return list(await pipe.execute())
        except NoScriptError:
            await self.load()
            raise
