"""Closed-form bounds on the number of linear regions, one per module, with a registry.

Every bound is an exact Python integer (``math.comb`` arithmetic, no float on the way); its ``log10`` is taken
at the end with :func:`canopy.bounds._combinatorics.log10_int`.  Each module's docstring gives the definition
and points to its proof in ``proofs/<bound>.md``.

Dense (fully connected) bounds, signature ``f(input_dim, widths) -> int``:

============  ===========  ================================================  ========================
name          kind         formula                                           proof
============  ===========  ================================================  ========================
generic       upper        prod_l r(n_l, min(n_0..n_{l-1}))                  proofs/generic.md
serra         upper        sum_{j in J} prod_l C(n_l, j_l)  (tightest here)  proofs/serra.md
zhang         upper        prod_l r(n_l, n_0)                                proofs/zhang.md
montufar      lower-max    prod_{l<L} floor(n_l/n_0)^n_0 * r(n_L, n_0)       proofs/montufar.md
serra_lower   lower-max    prod_{l<L} (floor(n_l/n_0)+1)^n_0 * r(n_L, n_0)   proofs/montufar.md
exact         exact        tropical.regions.count_regions(net) (a network)   proofs/exact.md
============  ===========  ================================================  ========================

``r(n, d) = sum_{j<=d} C(n, j)``.  Every closed-form bound (dense, convolution, pooling, branch rules) also
exists as a sympy expression in symbolic widths, under the same name:
:func:`canopy.bounds.symbolic.symbolic_bound`, whose module docstring lists each symbolic form next to its
bound (checked equal to the integer code on >= 1,000 points per bound).  "upper": at least the number of linear regions of *every* network of the
architecture.  "lower-max": *some* network of the architecture has at least that many (it bounds the
maximum from below; a random network can have far fewer).  ``exact`` (signature ``"network"``) counts a
given :class:`tropical.network.ReLUNetwork` exactly (:mod:`canopy.bounds.exact`).

Registration (for structured bounds: convolutions, pooling, branch sums)
------------------------------------------------------------------------
:data:`BOUNDS` maps a name to a :class:`BoundSpec` (:mod:`canopy.bounds.spec`).  The modules listed in
:data:`PLUGIN_MODULES` declare their bounds in a module-level ``SPECS`` tuple, registered the first time
:func:`get_bound` or :func:`available_bounds` is called (the bound modules never import this registry, so the
package has no import cycle).  Anyone can add a bound at run time with :func:`register_bound`::

    from canopy.bounds import BoundSpec, register_bound
    register_bound(BoundSpec(name="conv_rank", function=conv_rank_bound, kind="upper",
                             signature="conv", summary="...", hypotheses="...", proof="proofs/conv.md"))

Examples
--------
>>> from canopy.bounds import get_bound
>>> spec = get_bound("serra")
>>> spec.kind, spec.function(3, [5, 5])
('upper', 576)
>>> spec.log10(3, [5, 5])  # doctest: +ELLIPSIS
2.76042...
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from canopy.bounds._combinatorics import log10_int, zaslavsky
from canopy.bounds.exact import exact_count
from canopy.bounds.generic import generic_bound
from canopy.bounds.montufar import montufar_bound, montufar_precondition
from canopy.bounds.serra import serra_bound
from canopy.bounds.serra_lower import serra_lower_bound, serra_lower_precondition
from canopy.bounds.spec import KINDS, BoundSpec
from canopy.bounds.zhang import zhang_bound
from canopy.errors import InvalidArgumentError

__all__ = [
    "KINDS",
    "BoundSpec",
    "BOUNDS",
    "PLUGIN_MODULES",
    "register_bound",
    "get_bound",
    "available_bounds",
    "dense_bound",
    "generic_bound",
    "serra_bound",
    "zhang_bound",
    "montufar_bound",
    "serra_lower_bound",
    "zaslavsky",
    "log10_int",
]

#: modules that declare further bounds in a ``SPECS`` tuple (missing ones are skipped)
PLUGIN_MODULES: list[str] = ["canopy.bounds.conv", "canopy.bounds.pooling", "canopy.bounds.branches"]

BOUNDS: dict[str, BoundSpec] = {}


def register_bound(spec: BoundSpec, *, replace: bool = False) -> BoundSpec:
    """Add ``spec`` to :data:`BOUNDS` under ``spec.name``.

    Parameters
    ----------
    spec : BoundSpec
    replace : bool, default False
        Allow overwriting an existing entry (otherwise a clash raises ``ValueError``).

    Returns
    -------
    BoundSpec
        ``spec`` itself, so the call can be used as an expression.

    Examples
    --------
    >>> spec = BoundSpec("trivial_demo", lambda n0, ws: 2 ** sum(ws), "upper", "2^(sum n_l)", "none", "-")
    >>> register_bound(spec).name
    'trivial_demo'
    >>> _ = BOUNDS.pop("trivial_demo")
    """
    if not isinstance(spec, BoundSpec):
        raise InvalidArgumentError(f"register_bound needs a BoundSpec, got {type(spec).__name__}")
    if spec.name in BOUNDS and not replace and BOUNDS[spec.name] != spec:
        raise InvalidArgumentError(f"bound {spec.name!r} is already registered (pass replace=True to overwrite)")
    BOUNDS[spec.name] = spec
    return spec


_plugins_loaded = False


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for module_name in PLUGIN_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for spec in getattr(module, "SPECS", ()):
            if spec.name not in BOUNDS:
                register_bound(spec)


def available_bounds(signature: str | None = None) -> tuple[str, ...]:
    """Names of the registered bounds (optionally only those with the given ``signature``).

    Examples
    --------
    >>> available_bounds("dense")
    ('generic', 'serra', 'zhang', 'montufar', 'serra_lower')
    """
    _load_plugins()
    return tuple(k for k, v in BOUNDS.items() if signature is None or v.signature == signature)


def get_bound(name: str) -> BoundSpec:
    """The :class:`BoundSpec` registered as ``name``.

    Raises
    ------
    canopy.errors.UnknownModeError
        Listing the registered names.

    Examples
    --------
    >>> get_bound("zhang").proof
    'proofs/zhang.md'
    """
    from canopy.errors import UnknownModeError

    _load_plugins()
    try:
        return BOUNDS[name]
    except (KeyError, TypeError):
        raise UnknownModeError(
            f"unknown bound {name!r}; registered bounds: {', '.join(sorted(BOUNDS))}"
        ) from None


def dense_bound(name: str, input_dim: int, widths: Sequence[int]) -> int:
    """Evaluate the dense bound ``name`` on ``(input_dim, widths)`` (exact integer).

    Examples
    --------
    >>> dense_bound("generic", 784, [8, 14])
    3305216
    """
    spec = get_bound(name)
    if spec.signature != "dense":
        from canopy.errors import UnknownModeError

        raise UnknownModeError(f"bound {name!r} is not a dense bound (signature {spec.signature!r})")
    return spec.function(input_dim, widths)


for _spec in (
    BoundSpec(
        "generic", generic_bound, "upper",
        "prod_l sum_{j<=d_l} C(n_l, j), d_l = min(n_0, ..., n_{l-1})",
        "none (any weights)", "proofs/generic.md",
    ),
    BoundSpec(
        "serra", serra_bound, "upper",
        "sum over J of prod_l C(n_l, j_l) (Serra, Tjandraatmadja & Ramalingam 2018)",
        "none (any weights)", "proofs/serra.md",
    ),
    BoundSpec(
        "zhang", zhang_bound, "upper",
        "prod_l sum_{i<=n_0} C(n_l, i) (Zhang, Naitzat & Lim 2018)",
        "none (the paper assumes n_l >= n_0; it holds for all widths, see the proof)", "proofs/zhang.md",
    ),
    BoundSpec(
        "montufar", montufar_bound, "lower-max",
        "prod_{l<L} floor(n_l/n_0)^n_0 * sum_{j<=n_0} C(n_L, j) (Montufar et al. 2014)",
        "n_l >= n_0 for l < L; bounds the maximum over weights", "proofs/montufar.md",
        precondition=montufar_precondition,
    ),
    BoundSpec(
        "serra_lower", serra_lower_bound, "lower-max",
        "prod_{l<L} (floor(n_l/n_0)+1)^n_0 * sum_{j<=n_0} C(n_L, j) (Serra et al. 2018)",
        "n_l >= 3 n_0 for l < L; bounds the maximum over weights", "proofs/montufar.md",
        precondition=serra_lower_precondition,
    ),
    BoundSpec(
        "exact", exact_count, "exact",
        "exact count of a given ReLUNetwork (tropical.regions.count_regions)",
        "a concrete network; guarded by max_regions", "proofs/exact.md", signature="network",
    ),
):
    register_bound(_spec)
del _spec
