"""The feature registry: every registered feature resolves to real parts, routes, workers and page modules, and
the processes build their tables from it (the gateway's dispatch, the API's routes, the workers, the schema)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

from livecore.api import app as api_app
from livecore.api import operations, pages
from livecore.features import registry
from livecore.features.base import Part, resolve
from livecore.protocol import client as c
from livecore.protocol.codec import CLIENT_MESSAGES, ROOM_EVENTS
from livecore.workers import cli as workers_cli

JS = Path(pages.CONSOLE_DIR) / "js"


def test_features_have_distinct_names_messages_and_events() -> None:
    found = registry.features()
    assert [f.name for f in found][:3] == ["sales", "coupons", "lottery"]
    tags = [t.__struct_config__.tag for t in CLIENT_MESSAGES]
    assert len(tags) == len(set(tags))  # no feature reuses a core type or another feature's
    events = [t.__struct_config__.tag for t in ROOM_EVENTS]
    assert len(events) == len(set(events))
    assert not set(registry.client_messages()) & set(c.CORE_MESSAGES)


def test_every_feature_names_things_that_exist() -> None:
    for feature in registry.features():
        if feature.gateway is not None:
            factory = resolve(feature.gateway)
            assert isinstance(factory, type) and issubclass(factory, Part), feature.name
        for name, target in feature.workers.items():
            assert callable(resolve(target)), (feature.name, name)
        for module in feature.routes:
            assert module in api_app.ROUTE_MODULES
        if feature.restore is not None:
            hook = resolve(feature.restore)
            assert inspect.iscoroutinefunction(hook), (feature.name, feature.restore)
            assert list(inspect.signature(hook).parameters) == ["rt", "scope"], feature.name
        for page in ("console", "viewer"):
            module = feature.console if page == "console" else feature.viewer
            if module is not None:
                assert (JS / module).is_file(), (feature.name, module)
                assert f'import "/assets/js/{module}";' in pages.feature_modules_js(page)


def test_the_features_that_keep_state_in_redis_have_a_restore_hook() -> None:
    hooked = [name for name, _ in registry.restorers()]
    assert {"coupons", "lottery", "redpacket", "polls"} <= set(hooked)
    assert hooked.index("coupons") < hooked.index("polls")  # a quiz's coupon grants replay on restored batches


def test_the_processes_take_their_tables_from_the_registry() -> None:
    assert set(registry.workers()) <= set(workers_cli.WORKERS)
    assert {"orders", "claims", "lotteries"} <= set(registry.workers())
    assert api_app.ROUTE_MODULES[-len(registry.route_modules()):] == registry.route_modules()
    endpoints = {route.endpoint for module in registry.route_modules()
                 for route in __import__(module, fromlist=["routes"]).routes()}
    assert endpoints <= set(operations.OPERATIONS)  # each feature's route module describes its own routes


async def test_the_feature_modules_route_lists_the_page_modules(api) -> None:  # type: ignore[no-untyped-def]
    console = await api.get("/features/console.js")
    assert console.status_code == 200 and console.headers["content-type"].startswith("text/javascript")
    assert console.text == pages.feature_modules_js("console")
    assert (await api.get("/features/nope.js")).status_code == 404


def test_every_feature_module_can_be_the_first_one_imported() -> None:
    """The codec reads the registry when it is first imported, and a feature's messages import the protocol: a
    process whose first import is deep inside a feature (``livecore verify-lottery``) must not meet a
    half-initialised feature package."""
    root = Path(pages.CONSOLE_DIR).parent
    modules = sorted("livecore." + ".".join(p.relative_to(root).with_suffix("").parts)
                     for p in (root / "features").rglob("*.py"))
    # one interpreter; before each module, every livecore module is forgotten, so each import is the first one
    # (third-party packages stay loaded: only livecore's own import order is under test)
    script = ("import importlib, sys, traceback\n"
              "bad = []\n"
              "for m in sys.argv[1:]:\n"
              "    for name in [n for n in sys.modules if n == 'livecore' or n.startswith('livecore.')]:\n"
              "        del sys.modules[name]\n"
              "    try:\n"
              "        importlib.import_module(m)\n"
              "    except Exception:\n"
              "        bad.append(m + ': ' + traceback.format_exc().splitlines()[-1])\n"
              "print('\\n'.join(bad))\n")
    out = subprocess.run([sys.executable, "-c", script, *(m.removesuffix(".__init__") for m in modules)],
                         capture_output=True, text=True, timeout=300, check=True)
    assert len(modules) > 10 and out.stdout.strip() == ""
