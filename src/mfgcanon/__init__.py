"""mfgcanon: the canonical data model for manufacturing integration.

``import mfgcanon`` gives the current major version of the model (``mfgcanon.v1``) and the codecs;
integration services should import ``mfgcanon.v1`` explicitly so a future major cannot move under
them. Heavy optional libraries (fastavro, pydantic, jsonschema, lxml, click) are imported only by the
modules that need them.
"""

from __future__ import annotations

from mfgcanon import errors, units
from mfgcanon._version import __version__
from mfgcanon.codecs import decode, decode_lines, encode, encode_lines, validate
from mfgcanon.v1 import *  # noqa: F403 - the current major, for notebooks
from mfgcanon.v1 import __all__ as _v1_all
from mfgcanon.v1 import __schema_version__

__all__ = [
    "__schema_version__", "__version__", "decode", "decode_lines", "encode", "encode_lines", "errors",
    "units", "validate", *_v1_all,
]
