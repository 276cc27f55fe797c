"""The policy at the storage boundary: convert, library add (also of an old bundle), survey import, notes and
attribute files store no card data or personal data; ``audit`` finds what an old bundle/library holds and
``audit --fix`` leaves it clean; ``library policy`` opts in to keeping ordinary values."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from privacy_support import leaks
from test_privacy_rrweb import CARD, EMAIL, EXPIRY, IBAN, PHONE, recording

from replaylens.cli import main
from replaylens.io.privacy.audit import audit
from replaylens.io.privacy.tables import scrub_table

CARD_DIGITS = CARD.replace(" ", "")
VALUES = ["4111 1111", CARD_DIGITS, "12/28", IBAN, EMAIL, "234 5678", "Anna Kowalski", "anna.k"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in this process (the CLI's own entry; fast): return code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(list(args))
        except SystemExit as exc:
            rc = int(exc.code or 0)
    return subprocess.CompletedProcess(list(args), rc, out.getvalue(), err.getvalue())


def test_audit_as_a_command_exit_codes(rec: Path, tmp_path: Path) -> None:
    """The real entry point once: exit 1 found, 3 unreadable (one message), 2 usage."""
    run = [sys.executable, "-m", "replaylens", "audit"]
    found = subprocess.run([*run, str(rec)], capture_output=True, text=True, timeout=60)
    assert found.returncode == 1 and "card_number" in found.stdout and "4111" not in found.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    unreadable = subprocess.run([*run, str(bad), str(tmp_path / "missing.json")], capture_output=True, text=True,
                                timeout=60)
    assert unreadable.returncode == 3 and "bad.json" in unreadable.stderr and "missing.json" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr
    assert subprocess.run(run, capture_output=True, text=True, timeout=60).returncode == 2


@pytest.fixture
def rec(tmp_path: Path) -> Path:
    p = tmp_path / "in" / "checkout.json"
    p.parent.mkdir()
    p.write_text(json.dumps(recording()))
    return p


def test_scrub_table_policy_and_counts() -> None:
    from collections import Counter

    t = pa.table({"kind": ["input", "input", "input", "click", "custom"],
                  "target": ["input#cc-number", "input#name", "input#f3", "a", None],
                  "target_label": [None, "Name", "CVV", f"mail {EMAIL}", None],
                  "input_type": ["text", "text", "text", None, None],
                  "value": ["4111 1111", "Anna", "737", None, None],
                  "detail": [None, None, None, None, json.dumps({"card": int(CARD_DIGITS), "order": 123456789012})],
                  "target_text": pa.array(["a", "b", "c", EMAIL, None]).dictionary_encode()})
    found: Counter[tuple[str, str]] = Counter()
    out = scrub_table(t, found=found).to_pydict()
    assert out["value"] == [None, "Aaaa", None, None, None]  # card field: nothing; name: shape; CVV: nothing
    assert out["target_label"][3] == "mail [email]" and out["target_text"][3] == "[email]"
    assert json.loads(out["detail"][4]) == {"card": "\u2022\u2022\u2022\u2022 1111", "order": 123456789012}
    assert found[("card_number", "value")] == 1 and found[("card_cvv", "value")] == 1
    assert found[("typed_value", "value")] == 1 and found[("email", "target_text")] == 1
    again: Counter[tuple[str, str]] = Counter()
    assert scrub_table(scrub_table(t), found=again).to_pydict() == out and not again  # idempotent


def test_audit_raw_then_convert_and_library_are_clean(rec: Path, tmp_path: Path) -> None:
    raw = cli("audit", str(rec), "--json")
    assert raw.returncode == 1, raw.stderr
    report = json.loads(raw.stdout)
    assert {"card_number", "card_cvv", "card_expiry", "email", "phone", "iban"} <= set(report["kinds"])
    for v in VALUES:
        assert v not in raw.stdout  # the audit never prints a value
    out = tmp_path / "out"
    out.mkdir()
    bundle = out / "checkout.rlsession"
    assert cli("convert", str(rec), "-o", str(bundle), "--no-render").returncode == 0
    lib = out / "lib"
    added = cli("library", "add", str(rec), "--library", str(lib), "--workers", "0", "--json")
    assert added.returncode == 0, added.stderr
    assert leaks(out, VALUES) == []
    clean = cli("audit", str(bundle), str(lib), "--json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["clean"] is True
    info = json.loads(cli("library", "info", "--library", str(lib), "--json").stdout)
    assert info["privacy"]["keep_values"] is False and info["privacy"]["last_audit"]["clean"] is True


def _old_bundle(path: Path) -> None:
    """A bundle as an older version wrote it: values in clear, an e-mail in a URL and a title."""
    manifest = {"format": "replaylens-session", "format_version": "1.3", "session_id": "old1",
                "start_epoch_ms": 1795000000000, "site": "shop.example", "viewport": {"width": 1280, "height": 800},
                "attributes": {"user_id": EMAIL, "campaign": "x"},
                "pages": [{"url": f"https://shop.example/pay?e={EMAIL}", "title": f"Pay {CARD}",
                           "width": 1280, "height": 800}],
                "events": {"member": "events.parquet"}, "duration_ms": 3000}
    table = pa.table({"t": pa.array([0, 1000, 2000, 3000], pa.int64()),
                      "kind": ["navigate", "input", "input", "input"], "page": pa.array([0, 0, 0, 0], pa.int32()),
                      "target": [None, "input#cc-number", "input#holder", "input#expiry"],
                      "target_tag": [None, "input", "input", "input"], "input_type": [None, "text", "text", "text"],
                      "value_len": pa.array([None, 19, 13, 5], pa.int32()),
                      "value": [None, CARD, "Anna Kowalski", EXPIRY]})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("events.parquet", sink.getvalue().to_pybytes())


def test_old_bundle_audit_fix_and_library_add(tmp_path: Path) -> None:
    old = tmp_path / "old.rlsession"
    _old_bundle(old)
    report = audit([old])
    assert not report.clean and {"typed_value", "card_expiry", "email", "card_number"} <= set(report.kinds())
    lib = tmp_path / "lib"
    assert cli("library", "add", str(old), "--library", str(lib), "--workers", "0").returncode == 0
    assert leaks(lib, VALUES) == []  # library add of an old bundle applies the policy
    fixed = cli("audit", str(old), "--fix", "--json")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert json.loads(fixed.stdout)["fixed"] == [str(old)]
    assert leaks(old, VALUES) == [] and audit([old]).clean
    assert cli("audit", str(old)).returncode == 0


def test_library_fix_rewrites_every_file(tmp_path: Path) -> None:
    """A library written before the policy (simulated: values put back in its Parquet and catalogue)."""
    from replaylens.store.library import open_library

    old = tmp_path / "old.rlsession"
    _old_bundle(old)
    lib_dir = tmp_path / "lib"
    assert cli("library", "add", str(old), "--library", str(lib_dir), "--workers", "0").returncode == 0
    events = next((lib_dir / "events").rglob("*.parquet"))
    t = pq.read_table(events)
    vals = t["value"].to_pylist()
    vals[next(i for i, k in enumerate(t["kind"].to_pylist()) if k == "input")] = CARD
    pq.write_table(t.set_column(t.column_names.index("value"), "value", pa.array(vals, pa.string())), events)
    lib = open_library(lib_dir)
    try:
        lib.add_note(["old1"], "ok")
        cur = lib.cursor()
        cur.execute("UPDATE notes SET text = ?", [f"called {PHONE}"]).fetchall()
        cur.execute("UPDATE sessions SET entry_url = ?", [f"https://shop.example/?mail={EMAIL}"]).fetchall()
    finally:
        lib.close()
    found = cli("audit", str(lib_dir), "--json")
    assert found.returncode == 1
    where = {(f["kind"], f["where"]) for f in json.loads(found.stdout)["findings"]}
    assert ("card_number", "value") in where and ("phone", "notes.text") in where
    assert ("email", "sessions.entry_url") in where
    assert cli("audit", str(lib_dir), "--fix").returncode == 0
    assert leaks(lib_dir, [*VALUES, PHONE]) == []
    again = cli("audit", str(lib_dir), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["findings"] == []


def test_policy_keep_values(rec: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    assert cli("library", "add", str(rec), "--library", str(lib), "--workers", "0").returncode == 0
    bad = cli("library", "policy", "set", "keep_value=true", "--library", str(lib))
    assert bad.returncode == 2 and "keep_values" in bad.stderr
    assert cli("library", "policy", "set", "keep_values=maybe", "--library", str(lib)).returncode == 2
    ok = cli("library", "policy", "set", "keep_values=true", "--library", str(lib), "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["keep_values"] is True
    lib2 = tmp_path / "lib2"
    cli("library", "add", str(tmp_path / "nothing"), "--library", str(lib2))  # (an empty add creates nothing)
    rec2 = tmp_path / "in2" / "again.json"
    rec2.parent.mkdir()
    events: list[dict[str, Any]] = recording()
    events[0]["data"]["href"] = "https://shop.example/again"
    rec2.write_text(json.dumps(events))
    assert cli("library", "add", str(rec2), "--library", str(lib), "--workers", "0").returncode == 0
    kept = leaks(lib, ["Anna Kowalski", "1250.00"])
    assert {v for _, v in kept} == {"Anna Kowalski", "1250.00"}  # ordinary values kept now
    assert leaks(lib, [v for v in VALUES if v not in ("Anna Kowalski", "anna.k")]) == []  # card data never
    text = cli("library", "info", "--library", str(lib)).stdout
    assert "typed values: kept" in text and "last audit: never audited" in text


def test_notes_attribute_files_and_survey_answers(rec: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    attrs = tmp_path / "attrs.csv"
    attrs.write_text(f"session_id,contact\nnone,{EMAIL}\n")
    assert cli("library", "add", str(rec), "--library", str(lib), "--workers", "0").returncode == 0
    sid = json.loads(cli("library", "ls", "--library", str(lib), "--json").stdout)["sessions"][0]["id"]
    attrs.write_text(f"session_id,contact\n{sid},{EMAIL}\n")
    assert cli("library", "add", str(rec), "--library", str(lib), "--attributes", str(attrs)).returncode == 0
    assert cli("library", "note", sid, f"card {CARD} and {PHONE}", "--library", str(lib)).returncode == 0
    survey = tmp_path / "survey.csv"
    survey.write_text("Number,Date Submitted,Source URL,Comment\n"
                      f"1,2026-04-12 13:00:00,https://shop.example/?e={EMAIL},card {CARD} mail {EMAIL}\n")
    got = cli("survey", "import", str(survey), "--library", str(lib))
    assert got.returncode == 0, got.stderr
    assert leaks(lib, [CARD, CARD_DIGITS, EMAIL, "234 5678"]) == []
    assert cli("audit", str(lib)).returncode == 0
    # an import asked to keep personal data keeps e-mails (the audit says so) but never a card number
    survey.write_text("Number,Date Submitted,Source URL,Comment\n"
                      f"2,2026-04-12 13:05:00,https://shop.example/,card {CARD} mail {EMAIL}\n")
    assert cli("survey", "import", str(survey), "--library", str(lib), "--no-mask").returncode == 0
    assert leaks(lib, [CARD, CARD_DIGITS]) == [] and leaks(lib, [EMAIL]) != []
    found = cli("audit", str(lib), "--json")
    assert found.returncode == 1
    assert [(f["kind"], f["where"]) for f in json.loads(found.stdout)["findings"]] == [
        ("email", "survey_answers.answer")]


def test_a_cancelled_audit_records_no_verdict(rec: Path, tmp_path: Path) -> None:
    from replaylens.io.privacy.library_policy import read_policy

    lib = tmp_path / "lib"
    assert cli("library", "add", str(rec), "--library", str(lib), "--workers", "0").returncode == 0
    seen: list[str] = []
    report = audit([lib], cancel=lambda: bool(seen), progress=lambda _d, _t, name: seen.append(name))
    assert seen and report.files <= 1 and read_policy(lib).last_audit is None


def test_scrub_table_of_a_long_table_works_per_distinct_text() -> None:
    from collections import Counter

    n = 60_000  # above tables.DICTIONARY_ROWS: the column is dictionary-encoded first
    labels = ["Deposit", f"mail {EMAIL}", "Home"] * (n // 3)
    t = pa.table({"kind": ["click"] * n, "target_label": labels, "value": pa.nulls(n, pa.string())})
    found: Counter[tuple[str, str]] = Counter()
    out = scrub_table(t, found=found)
    assert out["target_label"].type == pa.string() and out["target_label"].to_pylist()[:3] == [
        "Deposit", "mail [email]", "Home"]
    assert found == Counter({("email", "target_label"): n // 3})
    assert scrub_table(out) is out  # clean: the same table back


def test_fix_that_cannot_write_is_unreadable_input_not_a_crash(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from replaylens.io.privacy import audit as audit_mod

    def refuse(_path: Path, *a: Any, **k: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    old = tmp_path / "old.rlsession"
    _old_bundle(old)
    before = old.read_bytes()
    monkeypatch.setattr(audit_mod, "atomic_path", refuse)
    got = cli("audit", str(old), "--fix")
    assert got.returncode == 3 and "cannot be rewritten (Permission denied)" in got.stderr
    assert old.read_bytes() == before
