"""Deterministic demo data: a fictional crypto bank's web flow (pages drawn with QPainter off screen) and
sessions with human-like cursor motion and planted friction, with the ground truth kept for tests."""
