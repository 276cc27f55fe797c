"""Analysis over many sessions: segments parsed from user text, goal rules. Compiled to SQL by ``store``."""
