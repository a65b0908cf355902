"""User-facing errors: one type, so the CLI and the UI can show a clear line instead of a traceback."""


class AssistantError(Exception):
    """A problem the user can act on (bad input, missing index, mismatched settings)."""


class IndexMismatchError(AssistantError):
    """The index on disk was built with other embedding or chunk settings."""
