"""Which task each update trains: the paper's ratios, T5-style rates, and schedules.

The paper: the reference task has ratio 1 and task i ratio α_i; each update
draws one task with probability α_i / Σ_j α_j, and training stops when the
reference task has had its N updates, so task i gets about α_i·N of them.

Here the per-task weight is ``w_i = α_i · base_i`` where base is 1 for the
paper's constant strategy, ``min(n_i, cap)`` for examples-proportional
mixing (T5) and ``n_i ** (1 / temperature)`` for temperature mixing, and
the α may vary over a schedule. The schedule's clock is the number of
reference updates done (0..N): it is the clock every run of a grid shares
whatever its ratios, and with it the expected count of task i is exactly
``Σ_{r<N} w_i(r) / w_ref(r)``.

Each draw uses a generator seeded by (seed, update index) alone, so a
resumed run makes the same draws as one never interrupted.

``stratified`` takes the draw's randomness out: task i gets exactly
round(α_i·N) updates, spread evenly over the reference updates with a
random phase per (seed, task). The paper's random draw makes the number of
auxiliary updates binomial (α = 0.01 over N = 1,570 gives 16 ± 4) and
bunches them by chance; stratified mixing removes both sources of
run-to-run variance and leaves the ratio exactly as configured.
"""

from __future__ import annotations

import numpy as np

from mtseq.errors import ConfigError

MIX_STREAM = 2
STRATEGIES = ("constant", "stratified", "proportional", "temperature")
KEY = "train.mixing"


def parse_ratios(items: list[str] | None, key: str = "--ratios") -> dict[str, float]:
    """``["parse_en=0.01", "a=0.1,b=0.2"]`` -> {task: ratio}; refuses malformed or negative values."""
    out: dict[str, float] = {}
    for item in items or []:
        for part in filter(None, (p.strip() for p in item.split(","))):
            name, sep, value = part.partition("=")
            try:
                ratio = float(value)
            except ValueError:
                ratio = None
            if not sep or not name or ratio is None or not np.isfinite(ratio):
                raise ConfigError(key, f"expected TASK=RATIO, got {part!r}")
            if ratio < 0:
                raise ConfigError(key, f"ratio of {name} is negative ({ratio})")
            if name in out:
                raise ConfigError(key, f"task {name} given twice")
            out[name] = ratio
    return out


def _check_ratios(ratios, tasks, reference, key) -> dict[str, float]:
    if not isinstance(ratios, dict):
        raise ConfigError(key, "ratios must be a mapping {task: ratio}")
    out = {}
    for name, value in ratios.items():
        if name == reference:
            raise ConfigError(key, f"'{name}' is the reference task; its ratio is always 1")
        if name not in tasks:
            raise ConfigError(key, f"task '{name}' is not in this run (give it a ratio with --ratios)")
        if not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(key, f"ratio of {name} must be a number >= 0, not {value!r}")
        out[name] = float(value)
    return out


class Mixer:
    """Draws the task of each update and knows the expected number of updates per task."""

    def __init__(
        self,
        reference: str,
        ratios: dict[str, float],
        sizes: dict[str, int],
        mixing: dict | None,
        seed: int,
        reference_updates: int,
    ) -> None:
        mixing = {"strategy": "constant", "cap": None, "temperature": 1.0, "schedule": None, **(mixing or {})}
        self.reference = reference
        self.ratios = {k: float(v) for k, v in ratios.items() if k != reference and v > 0}
        self.tasks = [reference] + sorted(self.ratios)
        self.seed = int(seed)
        self.N = int(reference_updates)
        strategy = mixing["strategy"]
        if strategy not in STRATEGIES:
            raise ConfigError(f"{KEY}.strategy", f"must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
        sizes = {t: float(sizes[t]) for t in self.tasks}
        if strategy in ("constant", "stratified"):
            base = {t: 1.0 for t in self.tasks}
        elif strategy == "proportional":
            cap = mixing.get("cap")
            base = {t: min(n, float(cap)) if cap else n for t, n in sizes.items()}
        else:
            temp = float(mixing.get("temperature") or 1.0)
            if temp <= 0:
                raise ConfigError(f"{KEY}.temperature", "must be positive")
            base = {t: n ** (1.0 / temp) for t, n in sizes.items()}
        if any(v <= 0 for v in base.values()):
            raise ConfigError(f"{KEY}.strategy", f"{strategy} mixing needs every task to have examples")
        self.strategy = strategy
        self.base = np.array([base[t] for t in self.tasks])
        self._pieces, self._linear = self._parse_schedule(mixing.get("schedule"))
        self._cache: tuple[object, np.ndarray] | None = None
        self._plan: np.ndarray | None = None
        if strategy == "stratified":
            if mixing.get("schedule") is not None:
                raise ConfigError(f"{KEY}.schedule", "stratified mixing takes constant ratios, not a schedule")
            self._plan = self._stratified_plan()

    # schedule ----------------------------------------------------------------
    def _parse_schedule(self, schedule):
        key = f"{KEY}.schedule"
        tasks = set(self.tasks)
        if schedule is None:
            return [], None
        if isinstance(schedule, list):
            pieces, last = [], 0
            for i, piece in enumerate(schedule):
                k = f"{key}[{i}]"
                if not isinstance(piece, dict) or set(piece) - {"until", "ratios"} or "until" not in piece:
                    raise ConfigError(k, "a piece is {until: reference_updates, ratios: {task: ratio}}")
                until = piece["until"]
                if not isinstance(until, int) or until <= last:
                    raise ConfigError(f"{k}.until", "must be an integer larger than the previous piece's")
                pieces.append((until, _check_ratios(piece.get("ratios") or {}, tasks, self.reference, f"{k}.ratios")))
                last = until
            return pieces, None
        if isinstance(schedule, dict) and schedule.get("type") == "linear":
            extra = set(schedule) - {"type", "start", "end", "until"}
            if extra:
                raise ConfigError(f"{key}.{sorted(extra)[0]}", "unknown key (linear: start, end, until)")
            start = _check_ratios(schedule.get("start") or {}, tasks, self.reference, f"{key}.start")
            end = _check_ratios(schedule.get("end") or {}, tasks, self.reference, f"{key}.end")
            if set(start) != set(end):
                raise ConfigError(f"{key}.end", "must name the same tasks as start")
            until = schedule.get("until", self.N)
            if not isinstance(until, int) or until < 1:
                raise ConfigError(f"{key}.until", "must be a positive integer (reference updates)")
            return [], (start, end, until)
        raise ConfigError(key, "expected a list of {until, ratios} pieces or {type: linear, start, end}")

    def ratios_at(self, ref_done: int) -> dict[str, float]:
        """Every task's α after ``ref_done`` reference updates (reference: 1)."""
        alpha = {self.reference: 1.0, **self.ratios}
        for until, ratios in self._pieces:
            if ref_done < until:
                alpha.update(ratios)
                break
        if self._linear is not None:
            start, end, until = self._linear
            frac = min(ref_done / until, 1.0)
            alpha.update({t: start[t] + (end[t] - start[t]) * frac for t in start})
        return alpha

    def weights(self, ref_done: int) -> np.ndarray:
        """Unnormalised draw weights of ``self.tasks`` (reference first)."""
        key = ref_done if self._linear is not None else self._piece(ref_done)
        if self._cache is None or self._cache[0] != key:
            alpha = self.ratios_at(ref_done)
            self._cache = (key, np.array([alpha[t] for t in self.tasks]) * self.base)
        return self._cache[1]

    def _piece(self, ref_done: int) -> int:
        for i, (until, _) in enumerate(self._pieces):
            if ref_done < until:
                return i
        return len(self._pieces)

    def probabilities(self, ref_done: int) -> dict[str, float]:
        w = self.weights(ref_done)
        return dict(zip(self.tasks, (w / w.sum()).tolist()))

    # drawing -----------------------------------------------------------------
    def stratified_counts(self) -> dict[str, int]:
        """Updates per task under stratified mixing: N for the reference, round(α_i·N) for the others."""
        return {self.reference: self.N, **{t: int(round(self.ratios[t] * self.N)) for t in self.tasks[1:]}}

    def _stratified_plan(self) -> np.ndarray:
        """Task index of every update: reference update j at time j+1 (j < N), auxiliary task i's
        update j at (j + u_i)·N / M_i with a phase u_i from (seed, task), all merged by time, so every
        auxiliary update precedes the last reference one and the counts are exact."""
        from mtseq.train.batches import task_key

        times = [np.arange(1, self.N + 1, dtype=float)]
        for t, m in list(self.stratified_counts().items())[1:]:
            u = np.random.default_rng([self.seed, MIX_STREAM, task_key(t)]).random()
            times.append((np.arange(m) + u) * self.N / max(m, 1))
        ids = np.concatenate([np.full(len(x), i, dtype=np.int16) for i, x in enumerate(times)])
        return ids[np.argsort(np.concatenate(times), kind="stable")]

    def draw(self, update: int, ref_done: int) -> str:
        """The task of update number ``update`` (1-based), given the reference updates so far."""
        if self._plan is not None:
            return self.tasks[int(self._plan[update - 1])]
        w = self.weights(ref_done)
        if len(w) == 1:
            return self.reference
        u = np.random.default_rng([self.seed, MIX_STREAM, update]).random() * w.sum()
        i = int(np.searchsorted(np.cumsum(w), u, side="right"))
        return self.tasks[min(i, len(w) - 1)]

    def expected_updates(self) -> dict[str, float]:
        """E[updates of each task] under the stop-after-N-reference-updates rule."""
        if self._plan is not None:
            return {t: float(n) for t, n in self.stratified_counts().items()}
        total = np.zeros(len(self.tasks))
        if self._linear is None:
            bounds = sorted({0, self.N, *(min(u, self.N) for u, _ in self._pieces)})
            for lo, hi in zip(bounds[:-1], bounds[1:]):
                w = self.weights(lo)
                total += (hi - lo) * w / w[0]
        else:
            for r in range(self.N):
                w = self.weights(r)
                total += w / w[0]
        return {t: float(v) for t, v in zip(self.tasks, total)}


def simulate(mixer: Mixer) -> dict[str, int]:
    """Run the draws alone (no training): the realised updates per task of a run."""
    counts = dict.fromkeys(mixer.tasks, 0)
    update = 0
    while counts[mixer.reference] < mixer.N:
        update += 1
        counts[mixer.draw(update, counts[mixer.reference])] += 1
    return counts
