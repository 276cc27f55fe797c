"""Importers and writers: sniff a file, read it into columnar batches + an import report. No Qt
(page screenshots come from ``replaylens.render.page``, which the rrweb converter calls lazily)."""
