"""Every survey export format, in the field names of the vendors' public docs: recognised by content (never by
the file name), parsed into answers with the keys a join needs; broken and unknown files get one clear message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from survey_support import write

from replaylens.errors import BadInputError
from replaylens.io.surveys import detect, read_responses
from replaylens.io.surveys.readers_csv import parse_map

Q = "What stopped you from staking today?"

TYPEFORM = {
    "total_items": 2, "page_count": 1,
    "items": [
        {"landing_id": "l1", "token": "tok1", "response_id": "tok1", "landed_at": "2026-04-12T13:21:00Z",
         "submitted_at": "2026-04-12T13:21:40Z", "metadata": {"user_agent": "Mozilla", "platform": "other",
         "referer": "https://app.nimbus.example/earn/staking", "network_id": "n", "browser": "default"},
         "hidden": {"session_id": "s-alpha"}, "calculated": {"score": 0},
         "answers": [{"field": {"id": "F1", "type": "multiple_choice", "ref": "stop"}, "type": "choice",
                      "choice": {"label": "Unclear rewards info"}},
                     {"field": {"id": "F2", "type": "long_text", "ref": "more"}, "type": "text",
                      "text": "write to anna@example.com"},
                     {"field": {"id": "F3", "type": "multiple_choice", "ref": "which"}, "type": "choices",
                      "choices": {"labels": ["ETH", "SOL"]}},
                     {"field": {"id": "F4", "type": "yes_no", "ref": "again"}, "type": "boolean", "boolean": True}]},
        {"landing_id": "l2", "token": "tok2", "response_id": "tok2", "landed_at": "2026-04-12T15:00:00Z",
         "submitted_at": "2026-04-12T15:01:00Z", "metadata": {"referer": ""}, "hidden": {"user_id": "u-2"},
         "answers": [{"field": {"id": "F1", "type": "multiple_choice", "ref": "stop"}, "type": "choice",
                      "choice": {"label": "Fees too high"}}]},
    ],
    "fields": [{"id": "F1", "title": Q, "ref": "stop"}, {"id": "F2", "title": "Anything else?", "ref": "more"}],
}


def _one(path: Path, fmt: str | None = None, mapping: dict[str, str] | None = None) -> list:
    return read_responses(path, fmt, mapping)[1]


def test_typeform_responses_api(tmp_path: Path) -> None:
    p = write(tmp_path / "export.csv", TYPEFORM)  # a misleading name: the content decides
    name, got = read_responses(p)
    assert name == "typeform"
    a, b = got
    assert a.response_id == "typeform:tok1" and a.session_hint == "s-alpha" and a.user_hint is None
    assert a.submitted_ms == 1_776_000_100_000 and a.url == "https://app.nimbus.example/earn/staking"
    answers = {x.question: (x.value, x.kind) for x in a.answers}
    assert answers[Q] == ("Unclear rewards info", "choice")
    assert answers["Anything else?"] == ("write to [email]", "text")
    assert answers["which"] == ("ETH, SOL", "choice")  # no title in the definition: the field ref
    assert answers["again"] == ("yes", "choice")
    assert b.user_hint == "u-2" and b.session_hint is None


def test_typeform_csv(tmp_path: Path) -> None:
    p = write(tmp_path / "t.csv", f'#,"{Q}",Anything else?,session_id,Start Date (UTC),Submit Date (UTC),Network ID\n'
                                  "abc123,Fees too high,,s-bravo,2026-04-12 14:20:00,2026-04-12 14:21:00,x1\n"
                                  "def456,Other,call me +66 81 234 5678,,2026-04-12 14:30:00,2026-04-12 14:31:00,x2\n")
    name, got = read_responses(p)
    assert name == "typeform-csv"
    assert [r.response_id for r in got] == ["typeform:abc123", "typeform:def456"]
    assert got[0].session_hint == "s-bravo" and got[0].submitted_ms == 1_776_003_660_000
    assert {a.question: a.value for a in got[1].answers} == {Q: "Other", "Anything else?": "call me [phone]"}


SURVEYMONKEY = {"data": [{
    "id": "114152046", "recipient_id": "", "collector_id": "50253586", "date_created": "2026-04-12T13:21:10+00:00",
    "date_modified": "2026-04-12T13:21:30+00:00", "response_status": "completed", "ip_address": "10.0.0.1",
    "custom_variables": {"session_id": "s-alpha"}, "survey_id": "123456", "href": "https://api.surveymonkey.com/…",
    "pages": [{"id": "P1", "questions": [
        {"id": "Q1", "heading": Q, "answers": [{"choice_id": "C1", "simple_text": "Unclear ID requirements"}]},
        {"id": "Q2", "heading": "Anything else?", "answers": [{"text": "no ID in my country"}]}]}]}],
    "per_page": 50, "page": 1, "total": 1, "links": {}}


def test_surveymonkey_api(tmp_path: Path) -> None:
    name, got = read_responses(write(tmp_path / "sm.json", SURVEYMONKEY))
    assert name == "surveymonkey"
    r = got[0]
    assert r.response_id == "surveymonkey:114152046" and r.session_hint == "s-alpha" and r.survey_id == "123456"
    assert r.submitted_ms == 1_776_000_090_000
    assert [(a.question, a.value, a.kind) for a in r.answers] == [
        (Q, "Unclear ID requirements", "choice"), ("Anything else?", "no ID in my country", "text")]


def test_surveymonkey_csv_with_two_header_rows(tmp_path: Path) -> None:
    text = ("Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,First Name,Last Name,"
            f"user_id,{Q},,Anything else?\n"
            ",,,,,,,,,Unclear ID requirements,Fees too high,Open-Ended Response\n"
            "1111,50253586,04/12/2026 03:20:00 PM,04/12/2026 03:21:00 PM,10.0.0.1,,,,u-1,,Fees too high,"
            "mail a.b@c.de\n")
    name, got = read_responses(write(tmp_path / "sm.csv", text))
    assert name == "surveymonkey-csv"
    r = got[0]
    assert r.response_id == "surveymonkey:1111" and r.user_hint == "u-1"
    assert r.submitted_ms == 1_776_007_260_000
    assert {a.question: (a.value, a.kind) for a in r.answers} == {
        Q: ("Fees too high", "choice"), "Anything else?": ("mail [email]", "text")}


POSTHOG = [
    {"uuid": "0190-a", "event": "survey sent", "distinct_id": "u-1", "timestamp": "2026-04-12T13:20:50Z",
     "properties": {"$survey_id": "01hx", "$survey_name": "Staking", "$session_id": "s-alpha",
                    "$current_url": "https://app.nimbus.example/earn/staking",
                    "$survey_questions": [{"id": "q-a", "question": Q}, {"id": "q-b", "question": "Why?"}],
                    "$survey_response": "Unclear rewards info", "$survey_response_1": "rates unclear"}},
    {"uuid": "0190-b", "event": "$pageview", "properties": {"$session_id": "s-alpha"}},
    {"uuid": "0190-c", "event": "survey sent", "distinct_id": "u-2", "timestamp": "2026-04-12T15:20:50Z",
     "properties": {"$survey_id": "01hx", "$survey_questions": [{"id": "q-a", "question": Q}],
                    "$survey_response_q-a": "Fees too high"}},
]


def test_posthog_survey_sent_events_json_and_jsonl(tmp_path: Path) -> None:
    for p in (write(tmp_path / "ph.json", {"results": POSTHOG}),
              write(tmp_path / "ph.jsonl", "\n".join(json.dumps(e) for e in POSTHOG))):
        name, got = read_responses(p)
        assert name == "posthog"
        assert [r.response_id for r in got] == ["posthog:0190-a", "posthog:0190-c"]  # the pageview is not one
        a, c = got
        assert a.session_hint == "s-alpha" and a.user_hint == "u-1" and a.survey_id == "01hx"
        assert a.url == "https://app.nimbus.example/earn/staking"
        assert {x.question: x.value for x in a.answers} == {Q: "Unclear rewards info", "Why?": "rates unclear"}
        assert {x.question: x.value for x in c.answers} == {Q: "Fees too high"}  # keyed by question id


def test_zigpoll_json_and_csv(tmp_path: Path) -> None:
    doc = [{"_id": "z1", "poll_id": "p9", "participant_id": "u-1", "email": "x@y.com",
            "createdAt": "2026-04-12T13:22:00Z", "metadata": {"order_id": "A-1", "referrer": "google",
                                                              "page_url": "https://app.nimbus.example/earn/staking"},
            "responses": [{"question": Q, "response": "Other"}]}]
    name, got = read_responses(write(tmp_path / "z.json", doc))
    assert name == "zigpoll" and got[0].user_hint == "u-1" and got[0].survey_id == "p9"
    assert got[0].url.endswith("/earn/staking") and got[0].answers[0].value == "Other"
    text = ("ID,Date,Poll ID,Participant ID,Email,Page URL,Question,Response\n"
            f"r1,2026-04-12 13:22:00,p9,u-1,x@y.com,https://app.nimbus.example/earn/staking,{Q},Other\n"
            "r1,2026-04-12 13:22:00,p9,u-1,x@y.com,https://app.nimbus.example/earn/staking,Why?,too slow\n")
    name, got = read_responses(write(tmp_path / "z.csv", text))
    assert name == "zigpoll-csv" and len(got) == 1  # one response, two answer rows
    assert {a.question: a.value for a in got[0].answers} == {Q: "Other", "Why?": "too slow"}


def test_qualaroo_json_and_csv(tmp_path: Path) -> None:
    doc = [{"id": 987, "time": "2026-04-12T13:21:30Z", "nudge_id": 42, "page": "https://app.nimbus.example/kyc",
            "referrer": "", "ip_address": "10.0.0.2", "user_agent": "Mozilla", "identity": "u-2",
            "answered_questions": {"1": {"id": 1, "question": Q, "answer": "Unclear ID requirements",
                                         "answer_id": 3}}}]
    name, got = read_responses(write(tmp_path / "q.json", doc))
    assert name == "qualaroo" and got[0].response_id == "qualaroo:987" and got[0].user_hint == "u-2"
    assert got[0].url == "https://app.nimbus.example/kyc" and got[0].answers[0].kind == "choice"
    text = (f"Response ID,Time,Page,Referrer,IP Address,User Agent,Identity,{Q}\n"
            "5,2026-04-12 13:21:30,https://app.nimbus.example/kyc,,10.0.0.2,Mozilla,,Fees too high\n")
    name, got = read_responses(write(tmp_path / "q.csv", text))
    assert name == "qualaroo-csv" and got[0].user_hint is None and got[0].answers[0].value == "Fees too high"


def test_hotjar_survey_csv_has_no_user_id(tmp_path: Path) -> None:
    text = (f"Number,User,Date Submitted,Country,Source URL,Device,Browser,OS,{Q}\n"
            "1,Visitor 1,2026-04-12 13:21:10,TH,https://app.nimbus.example/earn/staking,Desktop,Chrome,Windows,"
            "Other\n")
    name, got = read_responses(write(tmp_path / "h.csv", text))
    assert name == "hotjar"
    r = got[0]
    assert r.response_id == "hotjar:1" and r.user_hint is None and r.session_hint is None
    assert r.submitted_ms == 1_776_000_070_000 and r.url == "https://app.nimbus.example/earn/staking"
    assert [a.question for a in r.answers] == [Q]  # the metadata columns are not questions


def test_any_csv_with_a_mapping_long_and_wide(tmp_path: Path) -> None:
    long = write(tmp_path / "long.csv", "sid;when;q;a\ns-alpha;2026-04-12T13:21:00Z;Q1;yes\n"
                                        "s-alpha;2026-04-12T13:21:00Z;Q2;no\ns-bravo;2026-04-12T14:30:00Z;Q1;no\n")
    got = _one(long, mapping=parse_map("session_id=sid,submitted_at=when,question=q,answer=a"))
    assert [(r.session_hint, len(r.answers)) for r in got] == [("s-alpha", 2), ("s-bravo", 1)]
    wide = write(tmp_path / "wide.csv", "visitor,stamp,Rating,Comment\nu-1,1776000100,5,great\n")
    got = _one(wide, mapping=parse_map("user_id=visitor,submitted_at=stamp"))
    assert got[0].user_hint == "u-1" and got[0].submitted_ms == 1_776_000_100_000
    assert {a.question: a.value for a in got[0].answers} == {"Rating": "5", "Comment": "great"}
    with pytest.raises(BadInputError, match="'nope'"):
        _one(wide, mapping=parse_map("session_id=nope"))
    with pytest.raises(ValueError, match="KEY=COLUMN"):
        parse_map("colour=x")


def test_ids_are_stable_without_a_vendor_id(tmp_path: Path) -> None:
    p = write(tmp_path / "w.csv", "sid,Q\ns-alpha,yes\ns-bravo,no\n")
    a = [r.response_id for r in _one(p, mapping={"session_id": "sid"})]
    b = [r.response_id for r in _one(p, mapping={"session_id": "sid"})]
    assert a == b and len(set(a)) == 2 and all(i.startswith("csv:h") for i in a)


@pytest.mark.parametrize(("content", "needle"), [
    ("", "empty"),
    ('{"items": [{"answers": [', "cut short"),  # truncated JSON
    ('{"hello": 1}', "not a known survey export"),
    ("colour,size\nred,1\n", "--map"),
    ("just one line of words", "no CSV header"),
    ('{"items": "nope", "token": 1}', "not a known survey export"),
])
def test_unknown_or_broken_files_get_one_message_naming_the_file(tmp_path: Path, content: str,
                                                                 needle: str) -> None:
    p = write(tmp_path / "mystery.dat", content)
    with pytest.raises(BadInputError) as err:
        read_responses(p)
    assert str(err.value).startswith("mystery.dat: ") and needle in str(err.value)


def test_wrong_forced_format_and_missing_parts(tmp_path: Path) -> None:
    p = write(tmp_path / "tf.json", TYPEFORM)
    with pytest.raises(BadInputError, match="CSV format"):
        read_responses(p, "hotjar")
    with pytest.raises(BadInputError, match="unknown --format"):
        read_responses(p, "gallup")
    with pytest.raises(BadInputError, match="'items'"):
        read_responses(write(tmp_path / "x.json", {"data": []}), "typeform")
    with pytest.raises(BadInputError, match="second header row"):
        read_responses(write(tmp_path / "sm.csv", "Respondent ID,Collector ID,Q\n"), "surveymonkey-csv")
    assert detect(p) == "typeform"


def test_input_file_is_never_modified_and_sizes_are_bounded(tmp_path: Path) -> None:
    p = write(tmp_path / "tf.json", TYPEFORM)
    before = p.read_bytes()
    read_responses(p)
    assert p.read_bytes() == before
    huge_cell = write(tmp_path / "h.csv", "Number,Date Submitted,Source URL,Q\n1,2026-04-12 13:00:00,/x," +
                      "y" * 100_000 + "\n")
    with pytest.raises(BadInputError, match="readable CSV"):  # a 100 kB cell is over the field limit
        read_responses(huge_cell)
    long_text = write(tmp_path / "l.csv", "Number,Date Submitted,Source URL,Q\n1,2026-04-12 13:00:00,/x," +
                      "y" * 9_000 + "\n")
    assert len(_one(long_text)[0].answers[0].value) == 4_000  # clipped, not rejected
