"""Search trajectories: what a search logs per evaluation, and how seeds are aggregated.

A :class:`Trajectory` holds one :class:`Step` per fitness evaluation. Each step records the *incumbent*: the
architecture with the best fitness (proxy or validation accuracy) seen so far. Its validation and test
accuracies are looked up afterwards for reporting only; they never influence the search. The plotted curve is
therefore the test accuracy of the proxy-selected incumbent, not a running maximum of test accuracy
(``proxies.md`` §8.5).

Examples
--------
>>> t = Trajectory(algorithm="random", space="toy", fitness="f", seed=0)
>>> t.steps.append(Step(1, 0.0, 2.0, 80.0, 79.0, "a"))
>>> t.steps.append(Step(2, 0.1, 3.0, 85.0, 84.5, "b"))
>>> t.final.test_of_incumbent
84.5
>>> Trajectory.from_dict(t.to_dict()).same_path(t)
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Step", "Trajectory", "Recorder", "aggregate", "final_summary"]


@dataclass(frozen=True)
class Step:
    """One logged evaluation of a search.

    Attributes
    ----------
    n_evals : int
        Number of fitness evaluations so far (1-based; cache hits and repeated architectures count, as in
        NATS-Bench's REA where every child costs an evaluation).
    wall_clock : float
        Seconds since the search started (the only field allowed to differ between two runs of one seed).
    proxy_best : float
        Fitness of the incumbent (the best fitness seen so far).
    valid_of_incumbent, test_of_incumbent : float or None
        Ground-truth validation / test accuracy of the incumbent, or None where no ground truth exists
        (e.g. the MobileNetV2-style space). Reporting only: never used for selection.
    incumbent : str
        Key of the incumbent architecture.
    """

    n_evals: int
    wall_clock: float
    proxy_best: float
    valid_of_incumbent: float | None
    test_of_incumbent: float | None
    incumbent: str


@dataclass
class Trajectory:
    """The log of one search run (one algorithm, one space, one fitness, one seed).

    Attributes
    ----------
    algorithm, space, fitness : str
        What ran: ``"rea"`` or ``"random"``, the space name, the fitness name (proxy or ``"valid"``).
    seed : int
        The search seed; the same seed gives the same :meth:`path`.
    settings : dict
        Algorithm settings (population size, tournament size, dataset, ...), JSON-serialisable.
    steps : list of Step
        One per evaluation.
    n_unique : int
        Number of distinct architectures evaluated.
    """

    algorithm: str
    space: str
    fitness: str
    seed: int
    settings: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    n_unique: int = 0

    @property
    def final(self) -> Step:
        """The last step (raises IndexError on an empty trajectory)."""
        return self.steps[-1]

    def path(self) -> list[tuple]:
        """Every logged field except ``wall_clock``: what must be identical for one seed.

        Returns
        -------
        list of tuple
            ``(n_evals, proxy_best, valid_of_incumbent, test_of_incumbent, incumbent)`` per step.
        """
        return [
            (s.n_evals, s.proxy_best, s.valid_of_incumbent, s.test_of_incumbent, s.incumbent) for s in self.steps
        ]

    def same_path(self, other: Trajectory) -> bool:
        """True iff ``other`` logged the same path (ignoring wall-clock time)."""
        return self.path() == other.path()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (see :meth:`from_dict`)."""
        return {
            "algorithm": self.algorithm,
            "space": self.space,
            "fitness": self.fitness,
            "seed": self.seed,
            "settings": dict(self.settings),
            "n_unique": self.n_unique,
            "steps": [asdict(s) for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trajectory:
        """Rebuild a trajectory written by :meth:`to_dict`."""
        steps = [Step(**s) for s in data["steps"]]
        return cls(
            algorithm=data["algorithm"],
            space=data["space"],
            fitness=data["fitness"],
            seed=int(data["seed"]),
            settings=dict(data.get("settings", {})),
            steps=steps,
            n_unique=int(data.get("n_unique", 0)),
        )

    def to_json(self) -> str:
        """The trajectory as a JSON string (wall-clock times included)."""
        return json.dumps(self.to_dict(), sort_keys=True)


class Recorder:
    """Tracks the incumbent during a search and appends one :class:`Step` per evaluation.

    Parameters
    ----------
    trajectory : Trajectory
        Where steps are appended.
    oracle : callable or None
        ``arch -> (valid, test)`` ground-truth lookup, called only when the incumbent changes; None where no
        ground truth exists. Its values are logged, never used for selection.
    clock : callable
        Monotonic time source (seconds).

    Examples
    --------
    >>> t = Trajectory("random", "toy", "f", 0)
    >>> rec = Recorder(t, oracle=lambda a: (float(a), float(a) - 1), clock=lambda: 0.0)
    >>> for arch, fit in [(3, 0.5), (5, 0.2), (7, 0.9)]:
    ...     rec.record(arch, str(arch), fit)
    >>> [s.test_of_incumbent for s in t.steps]
    [2.0, 2.0, 6.0]
    """

    def __init__(self, trajectory: Trajectory, oracle=None, clock=None) -> None:
        import time

        self.trajectory = trajectory
        self.oracle = oracle
        self.clock = clock or time.perf_counter
        self.start = self.clock()
        self.best_fitness = -math.inf
        self.best_key: str | None = None
        self.valid: float | None = None
        self.test: float | None = None
        self.seen: set[str] = set()

    def record(self, arch: Any, key: str, fitness: float) -> None:
        """Log one evaluation of ``arch`` (key ``key``) with fitness ``fitness``."""
        self.seen.add(key)
        f = -math.inf if math.isnan(fitness) else float(fitness)
        if self.best_key is None or f > self.best_fitness:
            self.best_fitness = f
            self.best_key = key
            if self.oracle is not None:
                valid, test = self.oracle(arch)
                self.valid = None if valid is None else float(valid)
                self.test = None if test is None else float(test)
        self.trajectory.steps.append(
            Step(
                n_evals=len(self.trajectory.steps) + 1,
                wall_clock=self.clock() - self.start,
                proxy_best=self.best_fitness,
                valid_of_incumbent=self.valid,
                test_of_incumbent=self.test,
                incumbent=self.best_key,
            )
        )
        self.trajectory.n_unique = len(self.seen)


def _quantile(values: Sequence[float], q: float) -> float:
    xs = sorted(values)
    if not xs:
        return math.nan
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def aggregate(trajectories: Sequence[Trajectory], field_name: str = "test_of_incumbent") -> list[dict[str, float]]:
    """Mean, median and 25-75 % band of one logged field over seeds, per number of evaluations.

    Parameters
    ----------
    trajectories : sequence of Trajectory
        Runs of one configuration over several seeds (same number of steps expected; the shortest wins).
    field_name : str
        A numeric :class:`Step` field: ``"test_of_incumbent"``, ``"valid_of_incumbent"`` or ``"proxy_best"``.

    Returns
    -------
    list of dict
        One row per step: ``n_evals, mean, median, q25, q75, n_seeds`` (NaN where a field is None).

    Examples
    --------
    >>> a = Trajectory("random", "toy", "f", 0, steps=[Step(1, 0.0, 1.0, None, 90.0, "a")])
    >>> b = Trajectory("random", "toy", "f", 1, steps=[Step(1, 0.0, 1.0, None, 92.0, "b")])
    >>> aggregate([a, b])[0]["mean"]
    91.0
    """
    if not trajectories:
        return []
    n = min(len(t.steps) for t in trajectories)
    rows = []
    for i in range(n):
        vals = [getattr(t.steps[i], field_name) for t in trajectories]
        nums = [float(v) for v in vals if v is not None and not math.isnan(float(v))]
        rows.append(
            {
                "n_evals": trajectories[0].steps[i].n_evals,
                "mean": sum(nums) / len(nums) if nums else math.nan,
                "median": _quantile(nums, 0.5),
                "q25": _quantile(nums, 0.25),
                "q75": _quantile(nums, 0.75),
                "n_seeds": len(nums),
            }
        )
    return rows


def final_summary(trajectories: Sequence[Trajectory]) -> dict[str, float]:
    """Mean and standard deviation of the final incumbent's test and validation accuracy over seeds.

    Parameters
    ----------
    trajectories : sequence of Trajectory

    Returns
    -------
    dict
        ``test_mean, test_std, valid_mean, valid_std, n_seeds, wall_clock_mean`` (NaN where unavailable).

    Examples
    --------
    >>> a = Trajectory("random", "toy", "f", 0, steps=[Step(1, 0.5, 1.0, 80.0, 90.0, "a")])
    >>> b = Trajectory("random", "toy", "f", 1, steps=[Step(1, 1.5, 1.0, 82.0, 92.0, "b")])
    >>> final_summary([a, b])["test_mean"]
    91.0
    """

    def stats(values: list[float | None]) -> tuple[float, float]:
        nums = [float(v) for v in values if v is not None]
        if not nums:
            return math.nan, math.nan
        mean = sum(nums) / len(nums)
        var = sum((v - mean) ** 2 for v in nums) / (len(nums) - 1) if len(nums) > 1 else 0.0
        return mean, math.sqrt(var)

    finals = [t.final for t in trajectories if t.steps]
    test_mean, test_std = stats([s.test_of_incumbent for s in finals])
    valid_mean, valid_std = stats([s.valid_of_incumbent for s in finals])
    wall, _ = stats([s.wall_clock for s in finals])
    return {
        "test_mean": test_mean,
        "test_std": test_std,
        "valid_mean": valid_mean,
        "valid_std": valid_std,
        "n_seeds": len(finals),
        "wall_clock_mean": wall,
    }
