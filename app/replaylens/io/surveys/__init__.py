"""Survey answers beside the sessions: vendor readers, personal-data masking, the join (docs/surveys.md)."""

from replaylens.io.surveys.join import ImportResult, import_file
from replaylens.io.surveys.reader import FORMATS, detect, read_responses

__all__ = ["FORMATS", "ImportResult", "detect", "import_file", "read_responses"]
