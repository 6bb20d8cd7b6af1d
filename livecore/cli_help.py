"""How ``livecore <command> --help`` reads: plain text (no docstring markup) and every option's default."""

from __future__ import annotations

import argparse
import re
import textwrap

from .config import Settings

_MARKUP = re.compile(r"``([^`]+)``|`([^`]+)`")


def plain(text: str) -> str:
    """Docstring text without reStructuredText literals: ````livecore api```` -> ``livecore api``."""
    return _MARKUP.sub(lambda m: m.group(1) or m.group(2), textwrap.dedent(text)).strip()


def setting_default(name: str) -> str:
    """The default of an option that falls back to a setting: ``default: LIVECORE_API_PORT, else 8000``."""
    return f"default: LIVECORE_{name.upper()}, else {getattr(Settings(), name)}"


def has_default(action: argparse.Action) -> bool:
    """Whether the help of ``action`` states its default (flags are off unless given; required and
    positional arguments have none)."""
    if action.required or not action.option_strings or action.nargs == 0 or action.default is argparse.SUPPRESS:
        return True
    return "default" in (action.help or "")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Paragraphs of the description kept; ``(default: X)`` added where the help does not name its default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if has_default(action) or action.default is None:
            return text
        return f"{text} (default: %(default)s)".strip()

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(textwrap.fill(" ".join(p.split()), width, initial_indent=indent, subsequent_indent=indent)
                           for p in text.split("\n\n") if p.strip())
