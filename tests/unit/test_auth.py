import pytest

from livecore.auth import AuthError, Role, issue, verify

SECRET = "s" * 40


def test_round_trip_carries_identity() -> None:
    token = issue(SECRET, "u1", role=Role.HOST, name="主播", room="42", now=1000, ttl_s=60)
    ident = verify(SECRET, token, now=1010)
    assert (ident.user, ident.name, ident.role, ident.room) == ("u1", "主播", Role.HOST, "42")
    assert ident.may_control("42") and not ident.may_control("43")


@pytest.mark.parametrize("token,reason", [(None, "missing"), ("", "missing"), ("abc.def.ghi", "invalid")])
def test_refuses_missing_and_garbage(token: str | None, reason: str) -> None:
    with pytest.raises(AuthError) as err:
        verify(SECRET, token)
    assert err.value.reason == reason


def test_refuses_expired_and_forged() -> None:
    token = issue(SECRET, "u1", now=1000, ttl_s=60)
    with pytest.raises(AuthError) as err:
        verify(SECRET, token, now=1061)
    assert err.value.reason == "expired"
    with pytest.raises(AuthError) as err:
        verify("x" * 40, token, now=1001)
    assert err.value.reason == "invalid"


def test_viewer_cannot_control_and_admin_can() -> None:
    assert not verify(SECRET, issue(SECRET, "v")).may_control("1")
    assert verify(SECRET, issue(SECRET, "a", role="admin")).may_control("1")


def test_display_names_lose_bidi_overrides_and_control_characters() -> None:
    secret = "k" * 32
    assert verify(secret, issue(secret, "u1", name="\u202eevil\u202c\n")).name == "evil"
    assert verify(secret, issue(secret, "u2", name="\u202e\u2067")).name == "u2"  # nothing left: the user id
    assert verify(secret, issue(secret, "u3", name="小美🌸")).name == "小美🌸"
