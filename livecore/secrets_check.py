"""Start-up check of the two secrets: outside demo mode no process runs on a guessable key.

``LIVECORE_SECRET`` signs every access token (whoever knows it can mint an admin token) and
``LIVECORE_PAYMENT_SECRET`` checks the payment provider's callbacks (the provider knows it). Outside demo
mode each must be set, not the development value, at least ``MIN_SECRET_CHARS`` long, and the two must
differ, so the payment provider cannot recover the token key. ``secret_problem`` is pure; the process
entry points call ``require_secrets`` and exit with its one-line message.
"""

from __future__ import annotations

import secrets

from .config import DEV_SECRET, Settings

MIN_SECRET_CHARS = 32


def secret_problem(settings: Settings) -> str | None:
    """Why ``settings`` must not serve outside demo mode, in one line naming the variable; None if fine."""
    if settings.demo:
        return None
    for name, value in (("LIVECORE_SECRET", settings.secret), ("LIVECORE_PAYMENT_SECRET", settings.payment_secret)):
        if not value or value == DEV_SECRET:  # an unset LIVECORE_SECRET is the development value
            return (f"{name} is unset or the development value: set it to {MIN_SECRET_CHARS}+ random characters "
                    "(LIVECORE_DEMO=1 for a local demo)")
        if len(value) < MIN_SECRET_CHARS:
            return f"{name} is shorter than {MIN_SECRET_CHARS} characters: set it to a longer random value"
    if settings.payment_secret.startswith(settings.secret) or settings.secret.startswith(settings.payment_secret):
        return "LIVECORE_PAYMENT_SECRET must be a secret of its own, not LIVECORE_SECRET or derived from it"
    return None


def require_secrets(settings: Settings) -> None:
    """Exit the process (status 1, one line on stderr) when ``secret_problem`` finds one."""
    problem = secret_problem(settings)
    if problem is not None:
        raise SystemExit(f"livecore: refusing to start: {problem}")


def with_run_secrets(settings: Settings) -> Settings:
    """For tests and benchmarks: random secrets of this run in place of unset or development ones.

    Configured secrets are kept (a benchmark aimed at a running deployment needs its key), and so is demo
    mode, whose processes accept the development secret."""
    if settings.demo:
        return settings
    changes: dict[str, str] = {}
    if settings.secret == DEV_SECRET or not settings.secret:
        changes["secret"] = secrets.token_urlsafe(32)
    if not settings.payment_secret:
        changes["payment_secret"] = secrets.token_urlsafe(32)
    return settings.with_(**changes) if changes else settings
