"""The one error the compatibility checker raises for input it cannot use."""

from __future__ import annotations

from mfgcanon.errors import MfgcanonError

__all__ = ["SchemaInputError"]


class SchemaInputError(MfgcanonError, ValueError):
    """A schema that cannot be read, parsed or resolved.

    ``code`` is a stable UPPER_SNAKE identifier (for scripts), ``path`` a pointer into the schema
    document where the problem is (``None`` when it concerns the whole input) and ``source`` the file or
    label the schema came from. Part of the :class:`mfgcanon.errors.MfgcanonError` tree, like every
    error the library raises.
    """

    code: str  # type: ignore[assignment]  # compat codes are UPPER_SNAKE, outside the model's ErrorCode list
    path: str | None
    source: str | None

    def __init__(
        self, code: str, message: str, *, path: str | None = None, source: str | None = None
    ) -> None:
        self.code = code
        self.path = path
        self.source = source
        self.detail = message
        self.message = message
        self.position = None
        self.record_index = None
        self.cause_type = None
        where = ""
        if source:
            where = source
        if path:
            where = f"{where} at {path}" if where else f"at {path}"
        Exception.__init__(self, f"{where}: {message} [{code}]" if where else f"{message} [{code}]")

    def with_source(self, source: str | None) -> SchemaInputError:
        """Return a copy naming ``source``, for errors raised before the file name was known."""
        if source is None or self.source is not None:
            return self
        return SchemaInputError(self.code, self.detail, path=self.path, source=source)
