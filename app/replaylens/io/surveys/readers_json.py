"""JSON survey exports: Typeform Responses API, SurveyMonkey responses (bulk), PostHog ``survey sent`` events,
Zigpoll responses and Qualaroo responses. Each reader takes the parsed JSON and returns responses; ``sniff``
names the format from the keys (never from the file name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replaylens.io.surveys.common import (
    SESSION_KEYS,
    USER_KEYS,
    answer,
    check_count,
    find_key,
    need,
    response,
    vendor_id,
)
from replaylens.model.survey import Answer, SurveyResponse, clip

_TF_TEXT = {"text", "email", "url", "phone_number", "file_url"}


def _items(doc: Any) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in ("items", "data", "responses", "results", "events"):
            if isinstance(doc.get(key), list):
                return list(doc[key])
    return []


def _first(doc: Any) -> dict[str, Any]:
    items = _items(doc)
    first = items[0] if items else {}
    return first if isinstance(first, dict) else {}


def sniff(doc: Any) -> str | None:
    """The vendor of a parsed JSON export, from its keys."""
    first = _first(doc)
    props: dict[str, Any] = first["properties"] if isinstance(first.get("properties"), dict) else {}
    if isinstance(doc, dict) and isinstance(doc.get("items"), list) and (
            not first or ("answers" in first and ("token" in first or "response_id" in first))):
        return "typeform"
    if "pages" in first and ("date_created" in first or "custom_variables" in first):
        return "surveymonkey"
    if first.get("event") == "survey sent" or "$survey_id" in props:
        return "posthog"
    if "poll_id" in first or "pollId" in first or "poll_id" in props:
        return "zigpoll"
    if "answered_questions" in first or ("nudge_id" in first and "page" in first):
        return "qualaroo"
    return None


def _tf_value(a: dict[str, Any]) -> tuple[Any, str]:
    typ = str(a.get("type", ""))
    if typ == "choice":
        ch = a.get("choice") or {}
        return (ch.get("label") or ch.get("other")), "choice"
    if typ == "choices":
        ch = a.get("choices") or {}
        labels = list(ch.get("labels") or []) + ([ch["other"]] if ch.get("other") else [])
        return labels, "choice"
    if typ in a:
        return a[typ], "text" if typ in _TF_TEXT else "choice"
    return None, "text"


def typeform(path: Any, doc: Any) -> list[SurveyResponse]:
    items = need(path, doc.get("items") if isinstance(doc, dict) else None, list, "'items' (Typeform responses)")
    check_count(path, len(items))
    titles: dict[str, str] = {}
    for f in (doc.get("fields") or doc.get("definition", {}).get("fields") or []):  # Forms API definition
        if isinstance(f, dict) and f.get("id"):
            titles[str(f["id"])] = str(f.get("title") or f.get("ref") or f["id"])
    out = []
    for it in items:
        it = need(path, it, dict, "a Typeform response object")
        hidden = it.get("hidden") if isinstance(it.get("hidden"), dict) else {}
        meta = it.get("metadata") if isinstance(it.get("metadata"), dict) else {}
        answers: list[Answer | None] = []
        for a in it.get("answers") or []:
            if not isinstance(a, dict):
                continue
            field: dict[str, Any] = a["field"] if isinstance(a.get("field"), dict) else {}
            fid = str(field.get("id", ""))
            value, kind = _tf_value(a)
            answers.append(answer(titles.get(fid) or field.get("ref") or fid, value, kind))
        out.append(response(path, vendor_id("typeform", it.get("response_id") or it.get("token")), "typeform",
                            it.get("submitted_at") or it.get("landed_at"), answers,
                            session_hint=find_key(hidden, SESSION_KEYS), user_hint=find_key(hidden, USER_KEYS),
                            url=clip(meta.get("referer"), 2000) or None))
    return out


def surveymonkey(path: Any, doc: Any) -> list[SurveyResponse]:
    items = _items(doc)
    check_count(path, len(items))
    out = []
    for it in items:
        it = need(path, it, dict, "a SurveyMonkey response object")
        cv = it.get("custom_variables") if isinstance(it.get("custom_variables"), dict) else {}
        answers: list[Answer | None] = []
        for page in it.get("pages") or []:
            for q in (page.get("questions") or []) if isinstance(page, dict) else []:
                if not isinstance(q, dict):
                    continue
                heading = q.get("heading") or q.get("id")  # heading and simple_text: the API's simple=true
                values, kind = [], "choice"
                for a in q.get("answers") or []:
                    if not isinstance(a, dict):
                        continue
                    if "text" in a and "choice_id" not in a:
                        values.append(a["text"])
                        kind = "text"
                    else:
                        values.append(a.get("simple_text") or a.get("choice_id") or a.get("text"))
                answers.append(answer(heading, [v for v in values if v], kind))
        out.append(response(path, vendor_id("surveymonkey", it.get("id")), "surveymonkey",
                            it.get("date_modified") or it.get("date_created"), answers,
                            survey_id=clip(it.get("survey_id"), 200) or None,
                            session_hint=find_key(cv, SESSION_KEYS), user_hint=find_key(cv, USER_KEYS),
                            url=None))
    return out


def _ph_questions(props: dict[str, Any]) -> list[tuple[str, str | None]]:
    qs = props.get("$survey_questions") or []
    out: list[tuple[str, str | None]] = []
    for q in qs if isinstance(qs, list) else []:
        if isinstance(q, dict):
            out.append((str(q.get("question") or q.get("id") or ""), str(q["id"]) if q.get("id") else None))
        else:
            out.append((str(q), None))
    return out


def posthog(path: Any, doc: Any) -> list[SurveyResponse]:
    items = _items(doc)
    check_count(path, len(items))
    out = []
    for ev in items:
        ev = need(path, ev, dict, "a PostHog event object")
        props = ev.get("properties") if isinstance(ev.get("properties"), dict) else {}
        if ev.get("event", "survey sent") != "survey sent" or "$survey_id" not in props:
            continue
        answers: list[Answer | None] = []
        questions = _ph_questions(props)
        for i, (text, qid) in enumerate(questions or [(str(props.get("$survey_name") or "response"), None)]):
            keys = ([f"$survey_response_{qid}"] if qid else []) + (["$survey_response"] if i == 0 else []) + \
                   [f"$survey_response_{i}"]
            value = next((props[k] for k in keys if props.get(k) not in (None, "")), None)
            kind = "choice" if isinstance(value, list) or (value is not None and len(str(value)) <= 40) else "text"
            answers.append(answer(text or qid or f"question {i + 1}", value, kind))
        out.append(response(path, vendor_id("posthog", ev.get("uuid") or ev.get("id")), "posthog",
                            ev.get("timestamp"), answers, survey_id=clip(props.get("$survey_id"), 200),
                            session_hint=find_key(props, ("$session_id",)) or find_key(props, SESSION_KEYS),
                            user_hint=find_key(ev, ("distinct_id",)) or find_key(props, USER_KEYS),
                            url=clip(props.get("$current_url"), 2000) or None))
    return out


def zigpoll(path: Any, doc: Any) -> list[SurveyResponse]:
    items = _items(doc)
    check_count(path, len(items))
    out = []
    for it in items:
        it = need(path, it, dict, "a Zigpoll response object")
        props = it.get("properties") if isinstance(it.get("properties"), dict) else it
        meta = props.get("metadata") if isinstance(props.get("metadata"), dict) else {}
        answers: list[Answer | None] = []
        rows = props.get("responses") if isinstance(props.get("responses"), list) else [props]
        for r in rows:
            if isinstance(r, dict):
                q = r.get("question") or r.get("title") or r.get("slide_title")
                v = r.get("response") if "response" in r else r.get("value")
                kind = "text" if str(r.get("type", "")).lower() in ("long-answer", "short-answer", "text") else \
                    "choice"
                answers.append(answer(q or "response", v, kind))
        out.append(response(path, vendor_id("zigpoll", props.get("_id") or props.get("id") or it.get("messageId")),
                            "zigpoll", props.get("createdAt") or props.get("created_at") or it.get("timestamp"),
                            answers, survey_id=clip(props.get("poll_id") or props.get("pollId"), 200) or None,
                            session_hint=find_key(meta, SESSION_KEYS) or find_key(props, SESSION_KEYS),
                            user_hint=find_key(meta, USER_KEYS) or find_key(props, ("participant_id",
                                                                                    "participantid", *USER_KEYS)),
                            url=clip(meta.get("page_url") or meta.get("url") or props.get("url"), 2000) or None))
    return out


def qualaroo(path: Any, doc: Any) -> list[SurveyResponse]:
    items = _items(doc)
    check_count(path, len(items))
    out = []
    for it in items:
        it = need(path, it, dict, "a Qualaroo response object")
        props = it.get("properties") if isinstance(it.get("properties"), dict) else {}
        aq = it.get("answered_questions")
        answers: list[Answer | None] = []
        for q in (aq.values() if isinstance(aq, dict) else aq if isinstance(aq, list) else []):
            if isinstance(q, dict):
                answers.append(answer(q.get("question") or q.get("id"), q.get("answer"),
                                      "choice" if q.get("answer_id") not in (None, "") else "text"))
        out.append(response(path, vendor_id("qualaroo", it.get("id")), "qualaroo",
                            it.get("time") or it.get("timestamp"), answers,
                            survey_id=clip(it.get("nudge_id"), 200) or None,
                            session_hint=find_key(props, SESSION_KEYS),
                            user_hint=find_key(it, ("identity",)) or find_key(props, USER_KEYS),
                            url=clip(it.get("page"), 2000) or None))
    return out


READERS: dict[str, Callable[[Any, Any], list[SurveyResponse]]] = {
    "typeform": typeform, "surveymonkey": surveymonkey, "posthog": posthog, "zigpoll": zigpoll,
    "qualaroo": qualaroo}
