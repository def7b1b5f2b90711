"""The ``canopy`` command line: one entry point, one module per sub-command.

Each sub-command lives in ``canopy/cli/<name>.py`` and exposes ``add_arguments(parser)`` and
``run(args) -> int``. Modules are imported only when their command runs, so ``canopy verify`` never imports
torch. Errors of :mod:`tropical` and :mod:`canopy` become one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

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
    parser = argparse.ArgumentParser(
        prog="canopy", description="Exact tropical geometry of ReLU networks and training-free NAS."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on a user error (one line on standard error), 130 when interrupted.
    """
    from canopy.errors import CanopyError
    from tropical.errors import TropicalError

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "command", None) is None:
        parser.print_help()
        return 2
    if getattr(args, "_missing", False):
        print(f"canopy: error: the '{args.command}' command is not available in this build", file=sys.stderr)
        return 2
    module = importlib.import_module(args._module)
    try:
        return int(module.run(args) or 0)
    except (CanopyError, TropicalError, FileNotFoundError, PermissionError) as exc:
        print(f"canopy {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"canopy {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
