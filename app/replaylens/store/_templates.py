"""URL templates in the catalogue (layout 5): ``pages.template`` per page visit, the user's rules (``url_rules``),
the list of templates with how many URLs and sessions each holds, and the migration that derives the templates
of an older library from its stored URLs (no session file is opened). The template function is
``core.urltemplate.url_template``; docs/library.md, "Pages and URL templates"."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from replaylens.core.urltemplate import MAX_RULES, TemplateRule, check_rule, compile_rules, url_template
from replaylens.model.segment import Segment

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS url_rules (position INTEGER NOT NULL, pattern VARCHAR NOT NULL, "
    "alias VARCHAR NOT NULL, created_ms BIGINT)",
    "ALTER TABLE pages ADD COLUMN IF NOT EXISTS template VARCHAR",
)


@dataclass(frozen=True)
class TemplateCount:
    template: str
    urls: int  # distinct URLs the template holds
    sessions: int  # sessions that showed it
    title: str  # its most common title (no example URL: a template hides ids and e-mail addresses)


def has_templates(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``pages`` has the template column (layout 5; an older library opened read-only has not)."""
    return bool(cur.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'pages' AND column_name = 'template' "
        "AND schema_name = 'main' AND database_name = current_database()").fetchall()[0][0])


def rules(cur: duckdb.DuckDBPyConnection) -> list[TemplateRule]:
    try:
        rows = cur.execute("SELECT pattern, alias FROM url_rules ORDER BY position").fetchall()
    except duckdb.CatalogException:  # an older library read as it is
        return []
    return [TemplateRule(str(p), str(a)) for p, a in rows]


def templates_of(cur: duckdb.DuckDBPyConnection, urls: Sequence[str]) -> list[str]:
    """The templates of ``urls`` under the library's rules (one computation per distinct URL)."""
    compiled = compile_rules(rules(cur))
    memo: dict[str, str] = {}
    return [memo.setdefault(u, url_template(u, compiled)) if u not in memo else memo[u] for u in urls]


def retemplate(cur: duckdb.DuckDBPyConnection) -> int:
    """Set every page visit's template from its URL (inside the caller's transaction). Returns distinct URLs."""
    urls = [str(r[0]) for r in cur.execute("SELECT DISTINCT url FROM pages WHERE url IS NOT NULL").fetchall()]
    table = pa.table({"url": pa.array(urls, pa.string()), "template": pa.array(templates_of(cur, urls), pa.string())})
    cur.register("url_templates", table)
    try:
        cur.execute("UPDATE pages SET template = m.template FROM url_templates m WHERE pages.url = m.url").fetchall()
        cur.execute("UPDATE pages SET template = '' WHERE url IS NULL").fetchall()
    finally:
        cur.unregister("url_templates")
    return len(urls)


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Layout 5 for an older library opened for writing: the column, the rules table and every visit's template."""
    for sql in DDL:
        con.execute(sql).fetchall()
    if con.execute("SELECT count(*) FROM pages WHERE template IS NULL").fetchall()[0][0]:
        retemplate(con)


def _recompute_page_goals(lib: LibraryStore, cur: duckdb.DuckDBPyConnection) -> None:
    from replaylens.model.library import Goal
    from replaylens.store import _goals, _wide

    for name, pattern in cur.execute("SELECT name, pattern FROM goals WHERE kind = 'page'").fetchall():
        cur.execute("DELETE FROM goal_hits WHERE goal = ?", [name]).fetchall()
        _goals.compute(lib, cur, Goal(str(name), "page", str(pattern)), None)
        _wide.sync_goal(cur, str(name), None)


def _rewrite(lib: LibraryStore, new_rules: list[TemplateRule]) -> int:
    from replaylens.store._write import begin, rollback

    with lib.write_lock:
        cur = lib.cursor()
        begin(cur)
        try:
            cur.execute("DELETE FROM url_rules").fetchall()
            now = int(time.time() * 1000)
            for i, r in enumerate(new_rules):
                cur.execute("INSERT INTO url_rules VALUES (?, ?, ?, ?)", [i, r.pattern, r.alias, now]).fetchall()
            n = retemplate(cur)
            _recompute_page_goals(lib, cur)  # a page goal's pattern may name a template
            cur.execute("COMMIT").fetchall()
        except BaseException:
            rollback(cur)
            raise
    lib.invalidate()
    return n


def add_rule(lib: LibraryStore, pattern: str, alias: str) -> int:
    """Append a rule (last applied) and re-derive every template. Raises ValueError for a bad rule."""
    check_rule(pattern, alias)
    current = rules(lib.cursor())
    if len(current) >= MAX_RULES:
        raise ValueError(f"a library holds at most {MAX_RULES} template rules")
    return _rewrite(lib, [*[r for r in current if r.pattern != pattern], TemplateRule(pattern, alias)])


def remove_rule(lib: LibraryStore, which: str) -> bool:
    """Remove the rule with this pattern, or at this 1-based position; re-derive the templates."""
    current = rules(lib.cursor())
    keep = [r for i, r in enumerate(current, 1) if r.pattern != which and str(i) != which]
    if len(keep) == len(current):
        return False
    _rewrite(lib, keep)
    return True


def template_counts(lib: LibraryStore, segment: Segment | None = None, *, limit: int = 500) -> list[TemplateCount]:
    """Templates shown by the segment's sessions, most sessions first, with their URL counts."""
    from replaylens.store import _compile, _wide

    wide = _wide.names(lib)
    cond, params = _compile.where(segment, wide)
    tcol = "coalesce(p.template, p.path, p.url)" if wide.templates else "coalesce(p.path, p.url)"
    rows = lib.cursor().execute(
        f"SELECT {tcol} AS t, count(DISTINCT p.url), count(DISTINCT p.session_id), mode(p.title) "
        f"FROM pages p JOIN sessions s ON s.session_id = p.session_id WHERE {cond} AND p.first_ms IS NOT NULL "
        "GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT ?", [*params, int(limit)]).fetchall()
    return [TemplateCount(str(t), int(u), int(n), str(title or "")) for t, u, n, title in rows if t is not None]


def page_urls(lib: LibraryStore, page: str) -> int:
    """How many distinct URLs a page pattern (``/account/<id>/transfer``, globs, ``|``) holds in the library."""
    from replaylens.store._heat import _urls

    return len(_urls(lib, page))


def to_json(counts: Sequence[TemplateCount]) -> list[dict[str, Any]]:
    return [{"template": c.template, "urls": c.urls, "sessions": c.sessions, "title": c.title} for c in counts]
