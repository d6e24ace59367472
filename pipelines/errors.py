"""The exceptions the command line answers with one line and exit status 2, never a traceback.

AuditError      anything that stops an audit on purpose (a bad input, a wrong seed, a broken invariant)
  InputError    a problem with the analyst's input: the message names the file and the place
"""


class AuditError(Exception):
    """Stops the audit with a one-line reason (the CLI prints it without a traceback, exit 2)."""


class InputError(AuditError):
    """A problem with the analyst's input. The message names the file and the place, and the CLI
    prints it without a traceback."""

    def __init__(self, message: str, source_file: str | None = None, place: str | None = None):
        self.source_file = source_file
        self.place = place
        self.reason = message
        parts = [p for p in (source_file, place) if p]
        super().__init__(f"{': '.join(parts)}: {message}" if parts else message)
