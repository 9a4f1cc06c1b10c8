"""Do two runs of the same grid reach the same conclusions? The acceptance test of a result.

Two grids with disjoint seeds (or on two machines) are compared cell by cell on
the tested metrics of ``sensitivity.csv``: a cell is *flagged* where its
seed-level, Holm-adjusted test is significant, with the sign of its Δ. The
runs replicate when at least ``min_agreement`` of the cells flagged in either
are flagged in both with the same sign and none is flagged with opposite signs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mtseq.errors import MtseqError

KEY = ["setting", "cell", "metric"]
MIN_AGREEMENT = 0.8


def _flags(sens: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in [*KEY, "delta_vs_baseline", "p_adjusted", "significant"] if c not in sens.columns]
    if missing:
        raise MtseqError(f"{name}: missing column(s) {', '.join(missing)} (aggregate it with this mtseq)")
    tested = sens[sens["p_adjusted"].notna()].copy()
    flagged = tested["significant"].astype("boolean").fillna(False).astype(bool)
    tested["flag"] = np.where(flagged, np.sign(tested["delta_vs_baseline"]).astype(int), 0)
    return tested[[*KEY, "delta_vs_baseline", "p_adjusted", "flag"]]


def compare(a: pd.DataFrame, b: pd.DataFrame, min_agreement: float = MIN_AGREEMENT) -> tuple[pd.DataFrame, dict]:
    """One row per tested cell in both runs (Δ, adjusted p and flag of each) and the verdict."""
    table = _flags(a, "first").merge(_flags(b, "second"), on=KEY, suffixes=("_a", "_b"))
    if table.empty:
        raise MtseqError("the two tables share no tested cell")
    either = (table["flag_a"] != 0) | (table["flag_b"] != 0)
    agree = either & (table["flag_a"] == table["flag_b"])
    opposite = (table["flag_a"] * table["flag_b"]) < 0
    same_sign_delta = np.sign(table["delta_vs_baseline_a"]) == np.sign(table["delta_vs_baseline_b"])
    n_either = int(either.sum())
    share = float(agree.sum() / n_either) if n_either else math.nan
    verdict = {
        "cells": len(table),
        "flagged_a": int((table["flag_a"] != 0).sum()),
        "flagged_b": int((table["flag_b"] != 0).sum()),
        "flagged_either": n_either,
        "flagged_both_same_sign": int(agree.sum()),
        "flagged_opposite_signs": int(opposite.sum()),
        "agreement": share,
        "delta_same_sign_share": float(same_sign_delta.mean()),
        "delta_correlation": float(table["delta_vs_baseline_a"].corr(table["delta_vs_baseline_b"]))
        if len(table) > 2
        else math.nan,
        # nothing flagged in either run: nothing claimed, nothing contradicted
        "replicates": bool(int(opposite.sum()) == 0 and (n_either == 0 or share >= min_agreement)),
    }
    return table, verdict
