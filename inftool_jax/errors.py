"""The one error type users see: bad input, named by where it is."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: a spec, a config, a data file or a command-line value.

    ``source`` is the file (or ``"<command line>"``), ``pointer`` the JSON
    pointer or dotted config key inside it (may be empty), ``problem`` says
    what is wrong. The CLI prints ``str(err)`` as one line and exits with 2.
    """

    def __init__(self, source: str, pointer: str, problem: str):
        self.source = str(source)
        self.pointer = pointer
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source
        if self.pointer:
            where = f"{where}: {self.pointer}"
        return f"{where}: {self.problem}"
