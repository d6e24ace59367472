"""The one exception type for problems a user can cause (bad file, bad config, bad option)."""


class InputError(Exception):
    """A problem with the analyst's input. The message names the file and the place, and the CLI
    prints it without a traceback."""

    def __init__(self, message: str, source_file: str | None = None, place: str | None = None):
        self.source_file = source_file
        self.place = place
        self.reason = message
        parts = [p for p in (source_file, place) if p]
        super().__init__(f"{': '.join(parts)}: {message}" if parts else message)
