"""The replication check: flagged cells of two runs agree in sign, or the verdict says no."""

from __future__ import annotations

import pandas as pd
import pytest

from mtseq.analysis.replication import compare
from mtseq.cli import main
from mtseq.errors import MtseqError


def _table(rows):
    return pd.DataFrame(
        [
            {
                "setting": "one_to_many",
                "cell": cell,
                "metric": "translate_en_de.test.bleu",
                "delta_vs_baseline": d,
                "p_adjusted": p,
                "significant": p < 0.05,
            }
            for cell, d, p in rows
        ]
        + [
            {
                "setting": "one_to_many",
                "cell": "baseline",
                "metric": "translate_en_de.test.bleu",
                "delta_vs_baseline": 0.0,
                "p_adjusted": float("nan"),
                "significant": None,
            }
        ]
    )


def test_agreeing_runs_replicate_and_opposite_flags_do_not():
    a = _table([("parse0.01", 1.2, 0.01), ("parse0.1", 0.3, 0.5), ("parse1", -2.0, 0.001)])
    b = _table([("parse0.01", 0.9, 0.03), ("parse0.1", -0.2, 0.7), ("parse1", -1.5, 0.02)])
    table, v = compare(a, b)
    assert len(table) == 3  # the baseline is not a tested cell
    assert v["flagged_either"] == 2 and v["flagged_both_same_sign"] == 2 and v["replicates"]
    flipped = _table([("parse0.01", -1.0, 0.01), ("parse0.1", -0.2, 0.7), ("parse1", -1.5, 0.02)])
    _, v = compare(a, flipped)
    assert v["flagged_opposite_signs"] == 1 and not v["replicates"]
    lonely = _table([("parse0.01", 0.5, 0.2), ("parse0.1", -0.2, 0.7), ("parse1", -1.5, 0.02)])
    _, v = compare(a, lonely)  # 1 of 2 flagged cells agrees: 50% < 80%
    assert v["agreement"] == pytest.approx(0.5) and not v["replicates"]


def test_cli_exit_status_and_errors(tmp_path, capsys):
    a = _table([("parse0.01", 1.2, 0.01)])
    a.to_csv(tmp_path / "a.csv", index=False)
    assert main(["replication", str(tmp_path / "a.csv"), str(tmp_path / "a.csv")]) == 0
    assert "replicates" in capsys.readouterr().out
    a.drop(columns=["p_adjusted"]).to_csv(tmp_path / "old.csv", index=False)
    with pytest.raises(MtseqError, match="p_adjusted"):
        compare(pd.read_csv(tmp_path / "old.csv"), a)
