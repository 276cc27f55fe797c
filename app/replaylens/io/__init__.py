"""Importers and writers: sniff a file, read it into columnar batches + an import report. No Qt
(except ``webrender``, the one off-screen HTML renderer, kept behind a small interface)."""
