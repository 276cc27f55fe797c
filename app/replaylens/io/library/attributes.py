"""Attributes of a session, from every source the library knows (see docs/library.md), and attributes files.

Sources: ``device`` (class from the viewport width), ``url`` (UTM and variant parameters of the entry page),
``event`` (vocabulary properties of custom events), ``flag`` (PostHog feature-flag custom events), ``posthog``
(``person.properties``, first distinct id), ``manifest`` (the bundle's attributes), ``file`` (``--attributes FILE``,
applied by the writer). Keys are stored under the canonical names of ``model.vocabulary``: for a concept
(campaign, source, variant, country …) the strongest source wins, for any other key the later one. Values stay
text here; the catalogue stores typed copies. Values are personal data: never logged.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from replaylens.errors import BadInputError
from replaylens.io.regular import check_regular, read_regular
from replaylens.io.rrweb.budget import check_file
from replaylens.model.library import device_class
from replaylens.model.manifest import Manifest
from replaylens.model.vocabulary import BY_KEY, SOURCE_RANK, canonical_key, canonicalise, normalise_value

MAX_KEY = 120
MAX_VALUE = 1000
MAX_KEYS = 200
MAX_FILE_BYTES = 256 * 1024 * 1024
UTM_KEYS = ("utm_campaign", "utm_source", "utm_medium", "utm_content", "utm_term")
VARIANT_PARAMS = ("variant", "ab", "ab_variant", "exp_variant", "experiment_variant")
SESSION_ID_COLUMNS = ("session_id", "session", "sessionid", "$session_id")
USER_ID_COLUMNS = ("user_id", "distinct_id", "user", "userid", "customer_id", "person_id")

Attrs = dict[str, tuple[str, str]]  # key -> (value text, source)


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)[:MAX_VALUE]


def _put(out: Attrs, key: str, value: Any, source: str) -> None:
    key = str(key).strip()[:MAX_KEY]
    text = _text(value).strip()
    if key and text and "\x00" not in key and "\x00" not in text and (key in out or len(out) < MAX_KEYS):
        out[key] = (text, source)


def url_attributes(url: str) -> dict[str, str]:
    """UTM parameters and the variant parameter of a URL's query string."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return {}
    params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=False)}
    out = {k: params[k] for k in UTM_KEYS if params.get(k)}
    variant = next((params[k] for k in VARIANT_PARAMS if params.get(k)), None)
    if variant:
        out["variant"] = variant
    return out


def flag_attributes(events: pa.Table) -> dict[str, str]:
    """``feature/<flag>`` from PostHog-style custom events: ``$feature_flag_called`` with ``$feature_flag`` /
    ``$feature_flag_response`` in its payload, ``$feature/<flag>`` keys in any custom payload, or a custom event
    tagged ``$feature/<flag>`` with the value as payload. Only custom events mentioning ``$feature`` are decoded."""
    if events.num_rows == 0 or "detail" not in events.column_names:
        return {}
    mask = pc.and_(pc.equal(events["kind"], "custom"), pc.match_substring(events["detail"], "$feature"))
    details = events.filter(pc.fill_null(mask, False))["detail"].to_pylist()
    out: dict[str, str] = {}
    for raw in details[:1000]:  # flag events only: a handful per session
        try:
            obj = json.loads(raw)
        except (TypeError, ValueError):
            continue
        if not isinstance(obj, dict):
            continue
        tag, payload = str(obj.get("tag") or ""), obj.get("payload")
        if tag == "$feature_flag_called" and isinstance(payload, dict):
            name, resp = payload.get("$feature_flag"), payload.get("$feature_flag_response")
            if isinstance(name, str) and name and resp is not None and not isinstance(resp, dict | list):
                out[f"feature/{name[:100]}"] = _text(resp)
        elif tag.startswith("$feature/") and len(tag) > 9 and payload is not None \
                and not isinstance(payload, dict | list):
            out[f"feature/{tag[9:109]}"] = _text(payload)
        if isinstance(payload, dict):
            for k, v in payload.items():
                if isinstance(k, str) and k.startswith("$feature/") and len(k) > 9 and v is not None \
                        and not isinstance(v, dict | list):
                    out[f"feature/{k[9:109]}"] = _text(v)
    return out


_EVENT_PROPS = r"utm_|\$initial_|\$geoip|\$referr|\$device_type|user_type|customer_type"


def event_attributes(events: pa.Table) -> dict[str, str]:
    """Vocabulary properties (``utm_campaign``, ``$geoip_country_code``, ``$referrer`` …, docs/library.md) of the
    session's custom events: keys of a custom event's payload, or of its ``properties`` object (a PostHog event).
    The first event that gives a key wins (the entry). Only custom events mentioning such a name are decoded."""
    if events.num_rows == 0 or "detail" not in events.column_names:
        return {}
    mask = pc.and_(pc.equal(events["kind"], "custom"), pc.match_substring_regex(events["detail"], _EVENT_PROPS))
    out: dict[str, str] = {}
    for raw in events.filter(pc.fill_null(mask, False))["detail"].to_pylist()[:1000]:
        try:
            obj = json.loads(raw)
        except (TypeError, ValueError):
            continue
        payload = obj.get("payload") if isinstance(obj, dict) else None
        if isinstance(payload, dict) and isinstance(payload.get("properties"), dict):
            payload = {**payload, **payload["properties"]}
        if not isinstance(payload, dict):
            continue
        for k, v in payload.items():
            if isinstance(k, str) and canonical_key(k) in BY_KEY and k not in out and v is not None \
                    and not isinstance(v, dict | list) and _text(v).strip():
                out[k[:MAX_KEY]] = _text(v)
    return out


def session_attributes(manifest: Manifest, events: pa.Table, entry_url: str, viewport_width: int
                       ) -> tuple[Attrs, list[str]]:
    """(attributes, user ids) of one session from every source but the attributes file, under the canonical
    keys of ``model.vocabulary`` (the strongest source of a concept wins)."""
    items: list[tuple[str, str, str]] = []

    def put(key: Any, value: Any, source: str) -> None:
        key = str(key).strip()[:MAX_KEY]
        text = _text(value).strip()
        if key and text and "\x00" not in key and "\x00" not in text:
            items.append((key, text, source))

    device = device_class(viewport_width)
    put("device_class", device, "device")
    for k, v in url_attributes(entry_url).items():
        put(k, v, "url")
    for k, v in event_attributes(events).items():
        put(k, v, "event")
    flags = flag_attributes(events)
    for k, v in flags.items():
        put(k, v, "flag")
    if len(flags) == 1:  # the session's only feature flag is its variant (a URL or manifest variant wins)
        put("variant", next(iter(flags.values())), "flag")
    src = manifest.source
    props = src.get("person_properties")
    if isinstance(props, dict):
        for k, v in props.items():
            if isinstance(v, str | int | float | bool):
                put(k, v, "posthog")
    ids: list[str] = []
    raw_ids = src.get("distinct_ids")
    if isinstance(raw_ids, list):
        ids.extend(str(i)[:200] for i in raw_ids[:20])
    elif isinstance(src.get("person"), str):
        ids.append(src["person"][:200])
    for k, v in manifest.attributes.items():
        put(k, v, "manifest")
    if "user_id" in manifest.attributes:
        ids.insert(0, str(manifest.attributes["user_id"])[:200])
    # the recorded width decides the device class (maps never mix widths); without one, any other source
    # (the manifest's device, PostHog's $device_type) beats "unknown"
    weak = {"device_class": frozenset({"device"}) if device == "unknown" else
            frozenset(SOURCE_RANK) - {"device"}}
    out: Attrs = {}
    for k, (v, s) in canonicalise(items, weak=weak).items():
        if k in out or len(out) < MAX_KEYS:
            out[k] = (v, s)
    if ids and "user_id" not in out:
        _put(out, "user_id", ids[0], "posthog")
    return out, list(dict.fromkeys(i for i in ids if i))


# -- attributes files ----------------------------------------------------------------------------------------------

def _id_column(columns: list[str], path: Path) -> tuple[str, str]:
    lower = {c.strip().lower(): c for c in columns}
    for kind, names in (("session_id", SESSION_ID_COLUMNS), ("user_id", USER_ID_COLUMNS)):
        for n in names:
            if n in lower:
                return kind, lower[n]
    raise BadInputError(path, "the attributes file has no session_id or user_id column "
                              f"(columns: {', '.join(c[:40] for c in columns[:8])})")


def _rows_from(objs: list[dict[str, Any]], path: Path) -> list[tuple[str, str, dict[str, str]]]:
    columns = list(dict.fromkeys(k for o in objs for k in o))
    kind, col = _id_column([str(c) for c in columns], path)
    out = []
    for o in objs:
        ident = o.get(col)
        if ident is None or str(ident).strip() == "":
            continue
        cols = {str(k).strip()[:MAX_KEY]: _text(v).strip() for k, v in o.items()
                if k != col and v is not None and not isinstance(v, dict | list) and str(k).strip()}
        canon = {canonical_key(k): normalise_value(canonical_key(k), v) for k, v in cols.items()}  # vocabulary
        out.append((kind, str(ident).strip(), {k: v for k, v in canon.items() if v and "\x00" not in v + k}))
    return out


def read_attributes_file(path: str | Path) -> list[tuple[str, str, dict[str, str]]]:
    """Rows (``session_id`` | ``user_id``, id, {column: value}) of a CSV (with a header) or JSON file (a list of
    objects, or an object mapping ids to objects). Raises BadInputError."""
    path = Path(path)
    try:
        if check_regular(path).st_size > MAX_FILE_BYTES:  # a device, a FIFO or a folder is refused unread
            raise BadInputError(path, f"the attributes file is over {MAX_FILE_BYTES // 2**20} MiB")
        text = read_regular(path, MAX_FILE_BYTES).decode("utf-8-sig")
    except FileNotFoundError:
        raise BadInputError(path, "the attributes file does not exist") from None
    except UnicodeDecodeError:
        raise BadInputError(path, "the attributes file is not UTF-8 text") from None
    except OSError as exc:
        raise BadInputError(path, f"the attributes file cannot be read ({exc.strerror})") from None
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        check_file(path, stripped)  # the rrweb reader's node budget: no file of far more objects than bytes
        try:
            obj = json.loads(text)
        except RecursionError:
            raise BadInputError(path, "the attributes file is nested too deeply to read safely") from None
        except ValueError as exc:
            raise BadInputError(path, f"the attributes file is not valid JSON ({exc})") from None
        if isinstance(obj, dict):
            objs = [{"session_id": k, **v} for k, v in obj.items() if isinstance(v, dict)]
        elif isinstance(obj, list):
            objs = [o for o in obj if isinstance(o, dict)]
        else:
            raise BadInputError(path, "the attributes JSON is neither a list of objects nor an object of objects")
        return _rows_from(objs, path)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames:
        raise BadInputError(path, "the attributes CSV has no header row")
    return _rows_from([{k: v for k, v in row.items() if k is not None} for row in reader], path)
