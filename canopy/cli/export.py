"""``canopy export``: write a network in the exact JSON format.

The network is a seeded random one (same options as ``canopy verify``) or a torch ``state_dict`` of a
``Sequential`` of ``Linear``/``ReLU`` (``--network model.pt``; floats converted by ``--policy``).

Format: ``{"layers": [{"weight": [["1/2", "-3"], ...], "bias": ["0", "1/3"]}, ...], "policy": "exact"}``
(rows of ``weight`` are output neurons; ReLU after every layer but the last).

An existing output file is kept unless ``--force``; a symbolic link or a directory is refused.

Example::

    canopy export net.json --input 2 --widths 4,4 --distribution integer --scale 2
    canopy verify --network net.json
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``canopy export``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_arguments(p)
    >>> p.parse_args(["net.json", "--widths", "3"]).output
    'net.json'
    """
    from canopy.cli.verify import add_network_arguments

    parser.add_argument("output", nargs="?", default="-", help="output file (default '-': standard output)")
    add_network_arguments(parser)
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")


def run(args: argparse.Namespace) -> int:
    """Write the network as JSON; return 0."""
    from canopy.cli._common import check_output
    from canopy.cli.verify import network_from_args

    if args.output != "-":
        check_output(args.output, "output", force=args.force)
    net, desc = network_from_args(args)
    text = json.dumps(net.to_json(), indent=1)
    if args.output == "-":
        print(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        print(f"wrote {args.output}: layer sizes {list(net.layer_sizes)}, {desc}", file=sys.stderr)
    return 0
