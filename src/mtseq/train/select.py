"""Which weights a run keeps, and when it stops: chosen on validation perplexity only.

``train.select.model: best`` keeps the weights of the validation with the
lowest reference-task perplexity (the test set is never looked at), so a run
trained past its optimum is not judged on an overfitted model.
``train.select.patience: k`` stops a run after k validations in a row without
a new lowest perplexity (early stopping). Both are part of the trainer's
checkpointed state: a resumed run picks the same weights and stops at the
same update as one never interrupted.
"""

from __future__ import annotations

import math

import torch


class Selection:
    """The best validation so far, its weights (when kept) and the validations since."""

    def __init__(self, cfg: dict):
        self.keep_best = cfg["model"] == "best"
        self.patience = cfg["patience"]
        self.best = {"update": -1, "ref_done": 0, "ppl": math.inf}
        self.stale = 0
        self.weights: dict[str, torch.Tensor] | None = None

    def observe(self, update: int, ref_done: int, ppl: float, model: torch.nn.Module) -> bool:
        """Record one validation of the reference task; True when it is a new best."""
        if ppl < self.best["ppl"]:
            self.best = {"update": int(update), "ref_done": int(ref_done), "ppl": float(ppl)}
            self.stale = 0
            if self.keep_best:  # on the CPU: a copy of the model must not cost GPU memory
                self.weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            return True
        self.stale += 1
        return False

    @property
    def exhausted(self) -> bool:
        """True once ``patience`` validations in a row brought no new best."""
        return self.patience is not None and self.stale >= self.patience

    def restore_best(self, model: torch.nn.Module) -> None:
        """Load the best validation's weights into ``model`` (no-op unless ``model: best``)."""
        if self.keep_best and self.weights is not None:
            model.load_state_dict(self.weights)

    def summary(self, stopped_early: bool) -> dict:
        return {
            "selected": "best" if self.keep_best and self.weights is not None else "last",
            "best_valid": dict(self.best) if self.best["update"] >= 0 else None,
            "stopped_early": stopped_early,
        }

    def state_dict(self) -> dict:
        return {"best": dict(self.best), "stale": self.stale, "weights": self.weights}

    def load_state_dict(self, state: dict) -> None:
        self.best = {
            "update": int(state["best"]["update"]),
            "ref_done": int(state["best"]["ref_done"]),
            "ppl": float(state["best"]["ppl"]),
        }
        self.stale = int(state["stale"])
        self.weights = state["weights"]
