"""Session identity at ingest: what happens when a file names a session id the library (or this run) already has.

    same content (sha256) as any stored version   -> skipped: a duplicate, nothing written
    a new id                                      -> added under its own id
    a known id, new content, default              -> a new version kept beside the old one, under the derived id
                                                     ``<id>~<first 12 hex of its sha256>`` (a conflict, reported)
    a known id, new content, ``replace=True``     -> the stored version is replaced (reported as replaced)

The derived id depends on the content only, so the same files give the same ids whatever order the workers
finish in (the ingest also applies outcomes in file order, so which file keeps the plain id is fixed too).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from replaylens.model.library import SessionRecord

#: Separator of a derived id: ``<session id>~<sha256 prefix>``.
DERIVED_SEP = "~"
HASH_CHARS = 12


def derived_id(session_id: str, sha256: str, taken: set[str] | dict[str, str]) -> str:
    """``<id>~<12 hex>``, longer when (astronomically rarely) that name is taken by other content."""
    n = HASH_CHARS
    while True:
        cand = f"{session_id}{DERIVED_SEP}{sha256[:n]}"
        if cand not in taken or n >= len(sha256):
            return cand
        n += 4


@dataclass
class Identity:
    """The writer's view of which ids and contents exist (the library's plus this run's, so far)."""

    versions: dict[str, str]  # session id -> sha256 of the version kept under that id
    files: dict[str, str]  # session id -> the source file of that version ("" when unknown)
    replace: bool = False
    digests: set[str] = field(default_factory=set)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    replaced: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.digests |= set(self.versions.values())

    @classmethod
    def of_library(cls, versions: dict[str, str], sources: dict[str, tuple[int, int, str]],
                   replace: bool) -> Identity:
        """From ``LibraryStore.known_versions()`` and ``known_sources()`` (path -> (size, mtime, sha256))."""
        path_of = {sha: path for path, (_size, _mtime, sha) in sources.items()}
        return cls(dict(versions), {i: path_of.get(h, "") for i, h in versions.items()}, replace)

    def resolve(self, rec: SessionRecord, file: str) -> SessionRecord | None:
        """The record to write (its id derived on a conflict), or None for a duplicate."""
        sid, sha = rec.session_id, rec.sha256
        if sha in self.digests:
            return None
        self.digests.add(sha)
        if sid in self.versions:
            entry = {"id": sid, "file": file, "existing_file": self.files.get(sid, "")}
            if self.replace:
                self.replaced.append(entry)
            else:
                new_id = derived_id(sid, sha, self.versions)
                self.conflicts.append({**entry, "kept_as": new_id})
                rec = dataclasses.replace(rec, session_id=new_id,
                                          source=dataclasses.replace(rec.source, session_id=new_id))
                sid = new_id
        self.versions[sid] = sha
        self.files[sid] = file
        return rec
