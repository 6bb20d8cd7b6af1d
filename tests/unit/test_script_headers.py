"""Every Lua script documents, in its header, each KEYS[n] and ARGV[n] its body uses, and what it returns."""

import re

import pytest

from livecore.scripts import available, script_source

USED = re.compile(r"\b(KEYS|ARGV)\[(\d+)\]")
DOCUMENTED = re.compile(r"^--\s+(KEYS|ARGV)\[(\d+)\]", re.M)


@pytest.mark.parametrize("name", available())
def test_header_documents_keys_argv_and_return(name: str) -> None:
    source = script_source(name)
    lines = source.splitlines()
    header = "\n".join(line for line in lines[:next((i for i, line in enumerate(lines) if not line.startswith("--")),
                                                   len(lines))])
    body = "\n".join(line for line in lines if not line.lstrip().startswith("--"))
    assert header.startswith(f"-- {name}:"), "the header starts with the script's name and what it does"
    used = {(kind, int(n)) for kind, n in USED.findall(body)}
    documented = {(kind, int(n)) for kind, n in DOCUMENTED.findall(header)}
    assert used <= documented, f"undocumented: {sorted(used - documented)}"
    assert re.search(r"^--\s+Returns\b", header, re.M), "the header says what the script returns"


def test_there_are_scripts() -> None:
    assert len(available()) >= 20
