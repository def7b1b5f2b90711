"""The ``canopy`` command line: one entry point, one module per sub-command.

Each sub-command lives in ``canopy/cli/<name>.py`` and exposes ``add_arguments(parser)`` and
``run(args) -> int``. Modules are imported only when their command runs, so ``canopy verify`` never imports
torch.

One clear answer for every input: a bad option, a bad file or an error of :mod:`tropical` / :mod:`canopy`
becomes **one line** on standard error and exit status 2; a failed check is exit status 1; an output that
cannot be written (``--out /dev/full``, a directory) is exit status 2, never 0; Ctrl-C is exit status 130; a
closed pipe (``canopy ... | head``) ends quietly. No input prints a Python traceback (set
``CANOPY_TRACEBACK=1`` to see one when reporting a bug).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

#: sub-command name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "verify": ("canopy.cli.verify", "convert a ReLU network to its exact tropical map and verify it"),
    "export": ("canopy.cli.export", "write a network (seeded random or torch state_dict) as exact JSON"),
    "regions": ("canopy.cli.regions", "enumerate the exact linear regions of a small network and draw them"),
    "score": ("canopy.cli.score", "tropical expressivity score of widths, an NB201 cell or a DARTS genotype"),
    "tightness": ("canopy.cli.tightness", "bound / exact-count ratios on a ladder of small architectures"),
    "evaluate": ("canopy.cli.evaluate", "score a search space with proxies and correlate with ground truth"),
    "search": ("canopy.cli.search", "regularized evolution / random search driven by a proxy"),
}

#: exit status of a closed output pipe (128 + SIGPIPE, as a shell reports it)
EXIT_BROKEN_PIPE = 141


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``canopy verify: error: ...``), not usage + error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_one_line(message, 300)} (see '{self.prog} --help')\n")


_NEGATIVE_VALUE = re.compile(r"^-[0-9.]")


def normalize_argv(argv: Sequence[str]) -> list[str]:
    """Join ``--opt -1,1`` into ``--opt=-1,1`` (argparse reads a value starting with '-' as an option).

    Examples
    --------
    >>> normalize_argv(["regions", "--box", "-1,1", "--seed", "-3"])
    ['regions', '--box=-1,1', '--seed=-3']
    >>> normalize_argv(["regions", "--box=-1,1", "--json"])
    ['regions', '--box=-1,1', '--json']
    """
    out: list[str] = []
    i = 0
    argv = list(argv)
    while i < len(argv):
        tok = argv[i]
        if (tok.startswith("--") and "=" not in tok and len(tok) > 2 and i + 1 < len(argv)
                and _NEGATIVE_VALUE.match(argv[i + 1])):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with one sub-parser per command.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> parser = build_parser()
    >>> parser.prog
    'canopy'
    """
    from canopy import __version__

    parser = _OneLineParser(
        prog="canopy", description="Exact tropical geometry of ReLU networks and training-free NAS."
    )
    parser.add_argument("--version", action="version", version=f"canopy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module_name)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            p.set_defaults(_missing=True)
            continue
        module.add_arguments(p)
    return parser


def _one_line(text: object, limit: int = 400) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _quiet_stdout() -> None:
    """After a closed pipe: point standard output at /dev/null so the interpreter's final flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (in-process tests): nothing to silence
        pass


def _describe(exc: BaseException) -> tuple[str, int]:
    """The one line (without the ``canopy CMD: error:`` prefix) and the exit status for an exception."""
    from canopy.errors import CanopyError
    from tropical.errors import TropicalError

    if isinstance(exc, (CanopyError, TropicalError)):
        return _one_line(exc), 2
    if isinstance(exc, IsADirectoryError):
        return _one_line(f"{exc.filename or exc}: is a directory, expected a file"), 2
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            reason = "no space left on device (nothing written)"
        return _one_line(f"{where}{reason}"), 2
    if isinstance(exc, UnicodeError):
        return _one_line(f"cannot read the input as UTF-8 text (a binary file where text or JSON was expected?): "
                         f"{exc}"), 2
    if isinstance(exc, RecursionError):
        return "input nested too deeply", 2
    if isinstance(exc, MemoryError):
        return "out of memory: the request is too large for this machine; ask for less", 2
    if isinstance(exc, OverflowError):
        return _one_line(f"number too large: {exc}"), 2
    return _one_line(f"internal error: {type(exc).__name__}: {exc} (please report; CANOPY_TRACEBACK=1 shows "
                     "the traceback)"), 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when a check failed, 2 on a user error or a failed write (one line on standard
        error), 130 when interrupted, 141 when standard output was closed (``| head``).

    Examples
    --------
    >>> main(["score", "--widths", "5,5", "--input-dim", "3", "--mode", "serra"])
    serra: log10 upper bound = 2.7604 (dense, input_dim=3, widths=[5, 5])
    0
    """
    parser = build_parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(normalize_argv(raw))
    except SystemExit as exc:  # --help, --version, or a one-line usage error
        return exc.code if isinstance(exc.code, int) else 2
    if getattr(args, "command", None) is None:
        print(f"canopy: error: a command is required ({', '.join(COMMANDS)}); see 'canopy --help'", file=sys.stderr)
        return 2
    if getattr(args, "_missing", False):
        print(f"canopy: error: the '{args.command}' command is not available in this build", file=sys.stderr)
        return 2
    try:
        module = importlib.import_module(args._module)
        status = int(module.run(args) or 0)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        print(f"canopy {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the one door: every failure becomes one line
        if os.environ.get("CANOPY_TRACEBACK"):
            raise
        line, status = _describe(exc)
        try:
            print(f"canopy {args.command}: error: {line}", file=sys.stderr)
        except (OSError, ValueError):
            pass
        return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
