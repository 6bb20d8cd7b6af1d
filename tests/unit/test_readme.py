"""The README documents every setting a deployment can change."""

import dataclasses
from pathlib import Path

from livecore.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [f"LIVECORE_{f.name.upper()}" for f in dataclasses.fields(Settings)
               if f"LIVECORE_{f.name.upper()}" not in text]
    assert missing == []


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.index("make demo") < text.index("## Processes")
    assert "make test" in text[: text.index("## Processes")]
