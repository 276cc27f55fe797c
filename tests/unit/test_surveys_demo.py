"""The demo library's survey answers against their planted truth: at least 98 % of the joinable responses
joined to the right session, no wrong exact join, the decoys left unmatched, the answers following the planted
KYC hesitation, personal data masked, and a second import adding nothing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from replaylens.demo.library_build import build_library
from replaylens.demo.library_surveys import CHOICES, QUESTION, TRUTH_NAME, import_demo_surveys, write_surveys
from replaylens.store.library import open_library


@pytest.fixture(scope="module")
def demo(qapp: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    # qapp: the page screenshots are painted in this process; the one QApplication must be a widgets one
    root = tmp_path_factory.mktemp("survey-demo") / "library"
    build_library(root, 160, 2026_04_13, workers=2)
    write_surveys(root)
    imports = import_demo_surveys(root)
    return root, imports


def test_two_vendor_formats_with_the_truth_beside_them(demo: tuple[Path, list[dict]]) -> None:
    root, imports = demo
    assert [i["format"] for i in imports] == ["typeform", "hotjar"]
    truth = json.loads((root / TRUTH_NAME).read_text())
    kinds = Counter(r["joinable"] for r in truth["responses"])
    assert kinds["session_id"] > 10 and kinds["user_id"] > 3 and kinds["time_page"] > 10 and kinds["none"] == 10
    assert sum(i["read"] for i in imports) == len(truth["responses"])


def test_joins_match_the_planted_truth(demo: tuple[Path, list[dict]]) -> None:
    root, _ = demo
    truth = json.loads((root / TRUTH_NAME).read_text())["responses"]
    with open_library(root, read_only=True) as lib:
        got = {r["response_id"]: r for r in lib.survey_responses()}
    assert set(got) == {t["response_id"] for t in truth}  # nothing dropped
    joinable = [t for t in truth if t["joinable"] != "none"]
    right = sum(got[t["response_id"]]["session_id"] == t["session_id"] for t in joinable)
    assert right / len(joinable) >= 0.98
    exact_wrong = [t for t in truth if got[t["response_id"]]["match"] in ("session_id", "user_id")
                   and got[t["response_id"]]["session_id"] != t["session_id"]]
    assert exact_wrong == []
    for t in truth:
        g = got[t["response_id"]]
        if t["joinable"] in ("session_id", "user_id"):
            assert g["match"] == t["joinable"]
        if t["joinable"] == "none":
            assert g["session_id"] is None and g["match"] == "none" and g["note"]


def test_answers_follow_the_planted_hesitation(demo: tuple[Path, list[dict]]) -> None:
    root, _ = demo
    plans = {a["session_id"]: a for a in json.loads((root / "planted_truth.json").read_text())["assignment"]}
    truth = json.loads((root / TRUTH_NAME).read_text())["responses"]
    with open_library(root, read_only=True) as lib:
        got = {r["response_id"]: r for r in lib.survey_responses()}
    share: dict[bool, list[bool]] = {True: [], False: []}
    for t in truth:
        if t["session_id"] is None:
            continue
        answer = got[t["response_id"]]["answers"][QUESTION]
        assert answer in CHOICES
        share[bool(plans[t["session_id"]]["hesitate"])].append(answer == "Unclear ID requirements")
    hes, rest = (sum(v) / len(v) for v in (share[True], share[False]))
    assert len(share[True]) >= 8 and hes > rest + 0.2


def test_personal_data_masked_and_reimport_adds_nothing(demo: tuple[Path, list[dict]]) -> None:
    root, _ = demo
    with open_library(root) as lib:
        texts = [a for r in lib.survey_responses() for a in r["answers"].values()]
        assert not [t for t in texts if "@mail.example" in t or "4111 1111" in t or "+66 81" in t]
        assert any("[email]" in t or "[phone]" in t or "[card]" in t for t in texts)
        before = len(lib.survey_responses())
    again = import_demo_surveys(root)
    assert [i["added"] for i in again] == [0, 0]
    with open_library(root, read_only=True) as lib:
        assert len(lib.survey_responses()) == before
