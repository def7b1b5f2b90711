"""``canopy export``: write a network in the exact JSON format.

The network is a seeded random one (same options as ``canopy verify``) or a torch ``state_dict`` of a
``Sequential`` of ``Linear``/``ReLU`` (``--network model.pt``; floats converted by ``--policy``).

Format: ``{"layers": [{"weight": [["1/2", "-3"], ...], "bias": ["0", "1/3"]}, ...], "policy": "exact"}``
(rows of ``weight`` are output neurons; ReLU after every layer but the last).

Example::

    canopy export net.json --input 2 --widths 4,4 --distribution integer --scale 2
    canopy verify --network net.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


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


def run(args: argparse.Namespace) -> int:
    """Write the network as JSON; return 0."""
    from canopy.cli.verify import network_from_args

    net, desc = network_from_args(args)
    text = json.dumps(net.to_json(), indent=1)
    if args.output == "-":
        print(text)
    else:
        Path(args.output).write_text(text + "\n")
        print(f"wrote {args.output}: layer sizes {list(net.layer_sizes)}, {desc}", file=sys.stderr)
    return 0
