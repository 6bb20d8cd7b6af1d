"""The pure rules of polls: what a host may open, what a close decides."""

from livecore.core import draw as drawing
from livecore.features.polls import model
from livecore.features.polls.model import PollIn


def test_a_poll_has_two_to_six_distinct_options() -> None:
    assert model.problems("r1", PollIn(question="q", options=["a", "b"])) == []
    assert model.problems("r1", PollIn(question="q", options=["x"] * 1))
    assert model.problems("r1", PollIn(question="q", options=[str(i) for i in range(7)]))
    assert model.problems("r1", PollIn(question="q", options=["same", "same"]))
    assert model.problems("r1", PollIn(question="q", options=[str(i) for i in range(6)])) == []


def test_rules_of_conditions_and_quizzes() -> None:
    assert model.problems("r1", PollIn(question="q", options=["a", "b"], condition="watch"))  # no watch_s
    assert model.problems("r1", PollIn(question="q", options=["a", "b"], condition="watch", watch_s=30)) == []
    assert model.problems("r1", PollIn(question="q", options=["a", "b"], condition="friends"))
    assert model.problems("r1", PollIn(question="q", options=["a", "b"], correct=2))
    assert model.problems("r1", PollIn(question="q", options=["a", "b"], correct=1, mode="multiple"))
    assert model.problems("r1", PollIn(question="q", options=["a", "b"], reward="coupon", coupon_batch="cb1"))
    assert model.problems("r1", PollIn(question="q", options=["a", "b"], correct=0, reward="coupon"))
    assert model.problems("r1", PollIn(question="q", options=["a", "b"], duration_s=0))


def test_the_result_of_a_quiz_draw_is_recomputable() -> None:
    spec = PollIn(question="q", options=["x", "y", "z"], correct=1, reward="lottery", winners=2)
    seed = drawing.new_seed()
    h = {k: str(v) for k, v in model.hash_fields("pl1", "r1", spec, 1000, drawing.seed_hash(seed)).items()}
    votes = {"u1": "0|b", "u2": "1|b", "u3": "0|a", "u4": "0|b", "u5": "1|c"}
    tally = {"a": 1, "b": 3, "c": 1, "_voters": 5}
    out = model.result(votes, tally, h, seed)
    assert out["tallies"] == {"a": 1, "b": 3, "c": 1} and out["voters"] == 5
    assert out["correct"] == "b" and out["correct_voters"] == 3
    assert out["winners"] == drawing.draw(seed, ["u1", "u2", "u4"], 2) and len(set(out["winners"])) == 2
    assert out["entries_digest"] == drawing.entries_digest(["u1", "u2", "u4"])
    assert model.result(votes, tally, h, seed) == out  # deterministic: a retried close decides the same


def test_the_view_hides_the_answer_until_closed() -> None:
    spec = PollIn(question="q", options=["x", "y"], correct=0)
    h = {k: str(v) for k, v in model.hash_fields("pl1", "r1", spec, 1000, "").items()}
    v = model.view(h, {"a": 2, "_voters": 2})
    assert "correct" not in v and v["quiz"] is True and v["options"][0] == {"id": "a", "text": "x", "votes": 2}
    v = model.view({**h, "status": "closed", "closed_at": "2000"}, {"a": 2, "_voters": 2})
    assert v["correct"] == "a" and v["closed_at"] == 2000
