"""Run a search configuration over several seeds, sharing one fitness cache, and store the trajectories.

This is what ``canopy search``, ``benchmarks/search.py`` and ``canopy figures`` call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from canopy.errors import CanopyError
from canopy.search.fitness import make_fitness
from canopy.search.random_search import random_search
from canopy.search.rea import regularized_evolution
from canopy.search.trajectory import Step, Trajectory

__all__ = ["SearchConfig", "run_seeds", "ALGORITHMS"]

ALGORITHMS = ("rea", "random")


@dataclass(frozen=True)
class SearchConfig:
    """Everything that defines a batch of search runs (one per seed).

    Attributes
    ----------
    space : str
        Space name (``"nb201"``, ``"darts"``, ``"mobilenet"``) or the name of a given adapter.
    fitness : str
        Fitness name (see :func:`canopy.search.fitness.make_fitness`).
    algorithm : str
        ``"rea"`` or ``"random"``.
    n_evals : int
        Evaluations per run.
    dataset : str
        Benchmark dataset for ground truth (and for ``"valid"`` fitness).
    population_size, sample_size : int
        REA settings (ignored by random search).
    replace : bool
        REA tournament with or without replacement.
    proxy_seed : int
        Seed of the proxy evaluations (shared across search seeds).
    proxy_settings : dict
        Proxy settings.
    """

    space: str
    fitness: str
    algorithm: str = "rea"
    n_evals: int = 1000
    dataset: str = "cifar10"
    population_size: int = 64
    sample_size: int = 10
    replace: bool = True
    proxy_seed: int = 0
    proxy_settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise CanopyError(f"unknown search algorithm {self.algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
        if not isinstance(self.n_evals, int) or self.n_evals < 1:
            raise CanopyError(f"n_evals must be a positive int, got {self.n_evals!r}")

    def as_dict(self, seed: int) -> dict[str, Any]:
        """The run config stored with a trajectory."""
        d = {
            "space": self.space,
            "fitness": self.fitness,
            "algorithm": self.algorithm,
            "n_evals": self.n_evals,
            "dataset": self.dataset,
            "proxy_seed": self.proxy_seed,
            "proxy_settings": dict(self.proxy_settings),
            "seed": int(seed),
        }
        if self.algorithm == "rea":
            d.update(population_size=self.population_size, sample_size=self.sample_size, replace=self.replace)
        return d


def _run_name(cfg: dict[str, Any]) -> str:
    from canopy.store import settings_hash

    return (
        f"search:{cfg['space']}:{cfg['algorithm']}:{cfg['fitness']}:{cfg['dataset']}:"
        f"seed{cfg['seed']}:{settings_hash(cfg)}"
    )


def run_seeds(
    config: SearchConfig,
    seeds: Sequence[int],
    *,
    space: Any = None,
    data_dir: Any = None,
    store: Any = None,
    fitness_store: Any = None,
    oracle: Callable[[Any], tuple] | None | str = "auto",
    reuse: bool = True,
    fitness: Callable[[Any], float] | None = None,
    progress: Callable[[Trajectory], None] | None = None,
    require_ground_truth: bool = True,
) -> list[Trajectory]:
    """Run ``config`` once per seed and return the trajectories (seed order).

    Parameters
    ----------
    config : SearchConfig
    seeds : sequence of int
    space : adapter, optional
        Default :func:`canopy.search.spaces.get_space` of ``config.space``.
    data_dir : path, optional
        Benchmark data (else ``CANOPY_DATA_DIR``).
    store : ResultStore, optional
        Durable store: proxy values are cached in it and every trajectory is stored as a named run (kind
        ``"search"``, one row per step). With ``reuse``, a complete stored run is read back instead of rerun.
    fitness_store : ResultStore or MemoryStore, optional
        Cache for proxy values when ``store`` is None (default: a fresh in-memory cache shared by the seeds).
    oracle : callable, None or "auto"
        ``arch -> (valid, test)`` for logging; ``"auto"`` uses ``space.ground_truth(dataset)`` when the space
        has ground truth and ``None`` otherwise. The ground truth's source (``space.ground_truth_source``:
        files and content hashes; None without ground truth) is part of each stored run's config, so a run
        stored without ground truth (or with other data) is never reused by a run with it.
    reuse : bool
        Read back complete stored runs.
    fitness : callable, optional
        Use this ``arch -> float`` instead of resolving ``config.fitness`` (which then only names it).
    progress : callable, optional
        Called with each finished trajectory.
    require_ground_truth : bool, default True
        With ``oracle="auto"``, a space that has ground truth whose data cannot be read (no data folder, a
        missing file) raises instead of searching without it. False searches on proxy values only and flags
        the trajectories (``settings["ground_truth"]`` is None).

    Returns
    -------
    list of Trajectory

    Raises
    ------
    DataFileError
        ``require_ground_truth`` and the space's ground truth cannot be read.

    Examples
    --------
    >>> from canopy.search.spaces import BitStrings
    >>> cfg = SearchConfig(space="bits6", fitness="ones", algorithm="random", n_evals=20)
    >>> ts = run_seeds(cfg, [0, 1], space=BitStrings(6), fitness=lambda a: float(sum(a)))
    >>> [len(t.steps) for t in ts], ts[0].same_path(ts[1])
    ([20, 20], False)
    """
    from canopy.search.fitness import CachedFitness, MemoryStore
    from canopy.search.spaces import get_space

    space = space if space is not None else get_space(config.space)
    cache = store if store is not None else (fitness_store if fitness_store is not None else MemoryStore())
    fitness = fitness if fitness is not None else make_fitness(
        space,
        config.fitness,
        dataset=config.dataset,
        data_dir=data_dir,
        proxy_seed=config.proxy_seed,
        settings=config.proxy_settings,
        store=cache,
    )
    truth, source = _ground_truth(space, config.dataset, data_dir, oracle, require_ground_truth)
    out: list[Trajectory] = []
    for seed in seeds:
        cfg = {**config.as_dict(seed), "ground_truth": source}
        run_id = None
        if store is not None and hasattr(store, "start_run"):
            run_id = store.start_run(_run_name(cfg), cfg, kind="search")
            if reuse and store.last_step(run_id) == config.n_evals:
                steps = store.steps(run_id)
                head, rows = steps[0], steps[1:]
                traj = Trajectory.from_dict({**head, "steps": rows})
                out.append(traj)
                if progress:
                    progress(traj)
                continue
        if config.algorithm == "rea":
            traj = regularized_evolution(
                space,
                fitness,
                n_evals=config.n_evals,
                population_size=config.population_size,
                sample_size=config.sample_size,
                replace=config.replace,
                seed=int(seed),
                oracle=truth,
                fitness_name=config.fitness,
            )
        else:
            traj = random_search(
                space, fitness, n_evals=config.n_evals, seed=int(seed), oracle=truth, fitness_name=config.fitness
            )
        traj.settings.update(dataset=config.dataset, proxy_seed=config.proxy_seed, ground_truth=source)
        if isinstance(fitness, CachedFitness):
            traj.settings["proxy_settings"] = dict(fitness.settings)
        if run_id is not None:
            _store_trajectory(store, run_id, traj)
        out.append(traj)
        if progress:
            progress(traj)
    return out


def _ground_truth(space: Any, dataset: str, data_dir: Any, oracle: Any, required: bool
                  ) -> tuple[Callable[[Any], tuple[float | None, float | None]] | None, str | None]:
    """The oracle of a search and the source stored with its runs (None, None without ground truth)."""
    from canopy.errors import DataFileError

    if oracle is None:
        return None, None
    if not isinstance(oracle, str):
        return oracle, f"oracle {getattr(oracle, '__qualname__', type(oracle).__name__)}"
    if oracle != "auto":
        raise CanopyError(f"oracle must be a callable, None or 'auto', got {oracle!r}")
    if not hasattr(space, "ground_truth"):
        return None, None
    try:
        truth = space.ground_truth(dataset, data_dir)
        source_of = getattr(space, "ground_truth_source", None)
        source = source_of(dataset, data_dir) if source_of is not None else f"{space.name} {dataset}"
    except DataFileError as exc:
        if required:
            raise DataFileError(f"no ground truth for {space.name} {dataset}: {exc} -- or search on proxy values "
                                "only with --no-ground-truth (require_ground_truth=False)") from None
        return None, None
    except CanopyError:  # a space without ground truth (e.g. mobilenet)
        return None, None
    return truth, source


def _store_trajectory(store: Any, run_id: int, traj: Trajectory) -> None:
    head = traj.to_dict()
    head.pop("steps")
    store.add_step(run_id, 0, head)
    for s in traj.steps:
        store.add_step(run_id, s.n_evals, _step_dict(s))


def _step_dict(s: Step) -> dict[str, Any]:
    return {
        "n_evals": s.n_evals,
        "wall_clock": s.wall_clock,
        "proxy_best": s.proxy_best,
        "valid_of_incumbent": s.valid_of_incumbent,
        "test_of_incumbent": s.test_of_incumbent,
        "incumbent": s.incumbent,
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(fn(), seconds)``."""
    t0 = time.perf_counter()
    return fn(), time.perf_counter() - t0
