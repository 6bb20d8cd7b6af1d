"""``livecore <command> --help`` is plain text and states every option's default."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys

import pytest

from livecore.__main__ import build_parser, commands
from livecore.cli_help import HelpFormatter, has_default, plain

COMMANDS = commands()  # the core's and every feature's


def help_of(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sys, "argv", ["livecore", *argv])
    parser, _ = build_parser()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        parser.parse_args([*argv, "--help"])
    return out.getvalue()


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_has_no_markup(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = help_of([command] if command else [], monkeypatch)
    assert "``" not in text and "`" not in text, text
    assert "usage: livecore" in text


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_option_states_its_default(command: str) -> None:
    parser = argparse.ArgumentParser(formatter_class=HelpFormatter)
    importlib.import_module(COMMANDS[command][0]).configure(parser)  # type: ignore[attr-defined]
    formatter = HelpFormatter("livecore")
    for action in parser._actions:
        assert has_default(action) or "default" in formatter._get_help_string(action), (command, action.dest)


def test_plain_drops_literals() -> None:
    assert plain("``livecore api --port P``: the `API`") == "livecore api --port P: the API"
