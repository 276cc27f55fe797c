# Replaces the contributed pyarrow hook, which collects every pyarrow submodule and shared library (Flight,
# Substrait, S3/GCS/Azure/HDFS file systems, ORC, the C++ test module: ~90 MB Replay Lens never loads). Replay Lens
# uses pyarrow's core, compute and Parquet writer; the libraries those extension modules link follow from
# PyInstaller's binary analysis. Modules imported from Cython code are invisible to that analysis, hence the
# submodule list.
# ruff: noqa
from PyInstaller.utils.hooks import collect_submodules

_UNUSED = ("flight", "substrait", "_s3fs", "_gcsfs", "_azurefs", "_hdfs", "orc", "cuda", "gandiva", "tests",
           "_pyarrow_cpp_tests", "benchmark", "interchange", "jvm", "cffi")

hiddenimports = collect_submodules("pyarrow", filter=lambda name: not any(part in name for part in _UNUSED))
excludedimports = ["pyarrow.flight", "pyarrow._flight", "pyarrow.substrait", "pyarrow._substrait",
                   "pyarrow._s3fs", "pyarrow._gcsfs", "pyarrow._azurefs", "pyarrow._hdfs", "pyarrow._orc",
                   "pyarrow.orc", "pyarrow._dataset_orc", "pyarrow.cuda", "pyarrow.gandiva", "pyarrow.tests",
                   "pyarrow._pyarrow_cpp_tests", "pandas"]
