"""The exceptions ioscope raises. The CLI turns each into a message and a non-zero exit code."""

from __future__ import annotations

__all__ = [
    "IoscopeError",
    "UsageError",
    "ParameterError",
    "SchemaError",
    "MissingColumnError",
    "IncompatibleWorkspaceError",
    "InputFormatError",
    "UnknownFormatError",
    "UnsupportedInputError",
    "NotFoundError",
    "EngineUnavailableError",
    "UnsupportedOnEngineError",
    "ResourceError",
    "StageNotRunError",
]


class IoscopeError(Exception):
    """Base class of every error ioscope raises on purpose.

    ``hint`` says what the user can do next; ``exit_code`` is 1 (operational) or 2 (usage).
    """

    exit_code = 1
    code = "error"

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict:
        """The JSON error envelope shared by ``--json`` output and the web API."""
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}


class UsageError(IoscopeError):
    """The command was called with arguments that cannot work."""

    exit_code = 2
    code = "usage"


class ParameterError(UsageError):
    """A declared parameter got a value outside its type, range or choices."""

    code = "parameter"


class SchemaError(IoscopeError):
    """Input data does not have the shape the chosen format requires."""

    code = "schema"


class MissingColumnError(SchemaError):
    """A required column is missing from a tabular input file."""

    code = "missing_column"


class InputFormatError(SchemaError):
    """An input file cannot be read as the format it claims to be (names file, line and field)."""

    code = "input_format"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ):
        where = ", ".join(
            p
            for p in (
                f"file {path}" if path else "",
                f"line {line}" if line is not None else "",
                f"field '{field}'" if field else "",
            )
            if p
        )
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.path, self.line, self.field = path, line, field


class UnknownFormatError(UsageError):
    """No reader matches the input file, or the named format does not exist."""

    code = "unknown_format"


class UnsupportedInputError(UnknownFormatError):
    """Some inputs of an ingest are unreadable, cut short or of no known format (the message
    lists them all, with missing files if any)."""


class IncompatibleWorkspaceError(IoscopeError):
    """The workspace was written by an ioscope with another schema version."""

    code = "incompatible_workspace"


class NotFoundError(IoscopeError):
    """A named object (workspace, account, cluster, file) does not exist."""

    code = "not_found"


class EngineUnavailableError(IoscopeError):
    """The chosen execution engine cannot start here (e.g. pyspark or Java is missing)."""

    code = "engine_unavailable"


class UnsupportedOnEngineError(UsageError):
    """What was asked cannot run on the chosen execution engine (e.g. a signal on Spark)."""

    code = "unsupported_on_engine"


class ResourceError(IoscopeError):
    """The engine ran out of memory or of spill space (DuckDB's ``memory_limit`` or
    ``max_temp_directory_size``); the workspace is left as it was."""

    code = "out_of_resources"


class StageNotRunError(IoscopeError):
    """A command needs the output of a pipeline stage that has not run on this workspace."""

    code = "stage_not_run"
