"""Outside demo mode no process accepts an unset, development, short or shared secret."""

from __future__ import annotations

import pytest

from livecore.config import DEV_SECRET, Settings
from livecore.secrets_check import secret_problem, with_run_secrets

GOOD = "k" * 32
PAY = "p" * 32


@pytest.mark.parametrize(("secret", "payment", "named"), [
    (DEV_SECRET, PAY, "LIVECORE_SECRET is unset or the development value"),
    ("", PAY, "LIVECORE_SECRET is unset or the development value"),
    ("k" * 31, PAY, "LIVECORE_SECRET is shorter than 32"),
    (GOOD, "", "LIVECORE_PAYMENT_SECRET is unset or the development value"),
    (GOOD, DEV_SECRET, "LIVECORE_PAYMENT_SECRET is unset or the development value"),
    (GOOD, "p" * 31, "LIVECORE_PAYMENT_SECRET is shorter than 32"),
    (GOOD, GOOD, "LIVECORE_PAYMENT_SECRET must be a secret of its own"),
    (GOOD, GOOD + ":payments", "LIVECORE_PAYMENT_SECRET must be a secret of its own"),
])
def test_weak_secrets_are_named(secret: str, payment: str, named: str) -> None:
    problem = secret_problem(Settings(secret=secret, payment_secret=payment))
    assert problem is not None and problem.startswith(named) and "\n" not in problem


def test_strong_secrets_and_demo_mode_pass() -> None:
    assert secret_problem(Settings(secret=GOOD, payment_secret=PAY)) is None
    assert secret_problem(Settings(demo=True)) is None
    assert secret_problem(Settings()) is not None  # the defaults are the development ones


def test_run_secrets_fill_in_only_what_is_missing() -> None:
    filled = with_run_secrets(Settings())
    assert secret_problem(filled) is None
    assert with_run_secrets(Settings(secret=GOOD, payment_secret=PAY)) == Settings(secret=GOOD, payment_secret=PAY)
    assert with_run_secrets(Settings(demo=True)) == Settings(demo=True)
