"""What an import dropped or repaired, gathered into one summary instead of dialogs mid-load."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    source: str = ""
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, code: str, count: int, message: str) -> None:
        """Record ``count`` occurrences of ``code``; nothing is recorded for a count of zero."""
        if count <= 0:
            return
        self.counts[code] = self.counts.get(code, 0) + int(count)
        self.warnings.append(message.format(n=count))

    def note(self, message: str) -> None:
        self.warnings.append(message)

    def to_json(self) -> dict[str, object]:
        return {"source": self.source, "warnings": list(self.warnings), "counts": dict(self.counts)}
