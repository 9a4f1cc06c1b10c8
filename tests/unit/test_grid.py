"""Grid expansion: counts, the baseline, groups, products, ids and errors."""

from __future__ import annotations

import re

import pytest
import yaml

from mtseq.cli import main
from mtseq.errors import ConfigError
from mtseq.grid import (
    cell_id,
    expand_grid,
    find_cell,
    format_ratio,
    key_short,
    parse_cell_id,
    parse_run_dir,
    run_dirs,
)


def grid(**settings):
    return {"seeds": [1, 2, 3], "settings": settings}


def test_default_config_expands_to_baseline_plus_ratios(repo_root):
    cfg = yaml.safe_load((repo_root / "config" / "config.yaml").read_text())
    cells = expand_grid(cfg["grid"])
    expected = 0
    for setting, spec in cfg["grid"]["settings"].items():
        mine = [c for c in cells if c.setting == setting]
        (ratios,) = spec["auxiliary"].values()
        assert len(mine) == 1 + len({r for r in ratios if r > 0})
        assert [c.cell for c in mine].count("baseline") == 1
        assert mine[0].is_baseline and mine[0].ratios == {mine[0].reference: 1.0}
        expected += len(mine) * len(cfg["grid"]["seeds"])
    shared = [c for c in cells if c.shared]
    assert [c.setting for c in shared] == ["many_to_many"]  # translate_en_de's baseline is one_to_many's
    assert len(run_dirs(cfg["grid"])) == expected - len(cfg["grid"]["seeds"])


def test_settings_with_one_reference_share_one_baseline_run():
    ref = {"reference": "translate_en_de", "auxiliary": {"parse_en": [0.1]}}
    g = grid(
        one_to_many=ref,
        many_to_one={"reference": "translate_de_en", "auxiliary": {"caption_en": [0.1]}},
        many_to_many={"reference": "translate_en_de", "auxiliary": {"autoencode_en": [0.1]}},
    )
    cells = expand_grid(g)
    m2m = find_cell(cells, "many_to_many", "baseline")
    assert m2m.shared and m2m.home == "one_to_many"
    assert m2m.run_dirs("r") == find_cell(cells, "one_to_many", "baseline").run_dirs("r")
    assert not find_cell(cells, "many_to_one", "baseline").shared  # another reference task
    dirs = run_dirs(g, "r")
    assert len(dirs) == len(set(dirs)) == (len(cells) - 1) * 3
    assert "r/runs/many_to_many/baseline/seed1" not in dirs


def test_each_varies_one_key_and_folds_zero_into_baseline():
    g = grid(one_to_many={"reference": "translate_en_de", "auxiliary": {"parse_en": [0, 0.01, 0.1, 0.01]}})
    cells = expand_grid(g)
    assert [c.cell for c in cells] == ["baseline", "parse0.01", "parse0.1"]
    c = find_cell(cells, "one_to_many", "parse0.01")
    assert c.ratios == {"translate_en_de": 1.0, "parse_en": 0.01}
    assert c.run_dirs("res") == [f"res/runs/one_to_many/parse0.01/seed{k}" for k in (1, 2, 3)]


def test_group_key_shares_one_ratio():
    g = grid(
        many_to_many={
            "reference": "translate_en_de",
            "auxiliary": {"autoencode_en+autoencode_de": [0.05], "skipthought_en": [0.01]},
        }
    )
    cells = expand_grid(g)
    assert [c.cell for c in cells] == ["baseline", "ae0.05", "st_en0.01"]
    assert cells[1].ratios == {"translate_en_de": 1.0, "autoencode_en": 0.05, "autoencode_de": 0.05}


def test_product_crosses_keys_and_keeps_one_baseline():
    g = grid(
        many_to_many={
            "reference": "translate_de_en",
            "combine": "product",
            "auxiliary": {"caption_en": [0, 0.05, 0.1], "autoencode_en+autoencode_de": [0, 0.01]},
        }
    )
    ids = [c.cell for c in expand_grid(g)]
    assert ids[0] == "baseline" and ids.count("baseline") == 1
    assert sorted(ids[1:]) == sorted(["ae0.01", "caption0.05", "caption0.05+ae0.01", "caption0.1", "caption0.1+ae0.01"])


def test_large_grid_count():
    ratios = [round(0.001 * k, 3) for k in range(1, 24)]  # 23 x 23 product
    g = {
        "seeds": [1],
        "settings": {
            "many_to_many": {
                "reference": "translate_en_de",
                "combine": "product",
                "auxiliary": {"autoencode_en+autoencode_de": ratios, "skipthought_halves_en": ratios},
            }
        },
    }
    cells = expand_grid(g)
    assert len(cells) == 23 * 23 + 1
    assert len({c.cell for c in cells}) == len(cells)


@pytest.mark.parametrize(
    "aux",
    [
        {"parse_en": 0.01},
        {"caption_en": 0.05, "autoencode_en+autoencode_de": 0.01},
        {"skipthought_halves_en": 1.0, "skipthought_de": 0.00001},
        {"parse_en+caption_en": 2.5},
    ],
)
def test_cell_id_round_trip(aux):
    cid = cell_id(aux)
    assert re.fullmatch(r"[a-z_-]+\d+(\.\d+)?(\+[a-z_-]+\d+(\.\d+)?)*", cid)
    assert parse_cell_id(cid) == aux
    assert parse_cell_id(cid, keys=list(aux)) == aux


def test_readable_ids_and_ratio_format():
    assert cell_id({}) == "baseline"
    assert cell_id({"caption_en": 0.05, "autoencode_en+autoencode_de": 0.01}) == "caption0.05+ae0.01"
    assert [key_short(k) for k in ("translate_de_en", "autoencode_en", "skipthought_halves_en")] == [
        "de_en",
        "ae_en",
        "sth_en",
    ]
    assert [format_ratio(x) for x in (0.001, 1, 1.0, 2.5, 1e-5)] == ["0.001", "1", "1", "2.5", "0.00001"]


def test_parse_run_dir():
    assert parse_run_dir("results/runs/one_to_many/parse0.01/seed3") == ("one_to_many", "parse0.01", 3)
    assert parse_run_dir("elsewhere/x") is None


def test_unknown_task_names_the_key():
    g = grid(one_to_many={"reference": "translate_en_de", "auxiliary": {"parsee_en": [0.1]}})
    with pytest.raises(ConfigError) as err:
        expand_grid(g)
    assert "grid.settings.one_to_many.auxiliary.parsee_en" in str(err.value)


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ({"reference": "translate_en_de", "auxiliary": {"caption_en": [0.1]}}, "grid.settings.one_to_many"),
        ({"reference": "translate_en_de", "auxiliary": {"parse_en": [-1]}}, "auxiliary.parse_en"),
        ({"reference": "translate_en_de", "auxiliary": {"translate_en_de": [0.1]}}, "auxiliary.translate_en_de"),
        ({"reference": "translate_en_de", "combine": "all"}, "grid.settings.one_to_many.combine"),
        ({"reference": "tranzlate"}, "grid.settings.one_to_many.reference"),
    ],
)
def test_invalid_settings_name_their_key(setting, key):
    with pytest.raises(ConfigError) as err:
        expand_grid(grid(one_to_many=setting))
    assert key in str(err.value)


def test_grid_cli_table(tmp_path, capsys, repo_root):
    assert main(["grid", "--config", str(repo_root / "config" / "config.yaml")]) == 0
    out = capsys.readouterr().out
    assert "one_to_many" in out and "parse0.01" in out and "ae0.1" in out
    cfg = yaml.safe_load((repo_root / "config" / "config.yaml").read_text())
    cells = expand_grid(cfg["grid"])
    own = [c for c in cells if not c.shared]  # many_to_many trains no baseline of its own
    assert len(own) < len(cells)
    assert out.strip().endswith(f"{len(cells)} cells, {sum(len(c.seeds) for c in own)} runs")
    assert "shared with one_to_many" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "grid:\n  settings:\n    one_to_many:\n      reference: translate_en_de\n      auxiliary: {parsee_en: [1]}\n"
    )
    assert main(["grid", "--config", str(bad)]) == 2
    assert "parsee_en" in capsys.readouterr().err


def test_the_shared_baseline_home_does_not_depend_on_key_order():
    """A config section written back to a file has sorted keys: the home must come out the same."""
    settings = {
        "one_to_many": {"reference": "translate_en_de", "auxiliary": {"parse_en": [0.1]}},
        "many_to_many": {"reference": "translate_en_de", "auxiliary": {"autoencode_en": [0.1]}},
    }
    for order in (settings, dict(reversed(settings.items()))):
        cells = expand_grid({"seeds": [1], "settings": order})
        homes = {c.setting: c.home for c in cells if c.is_baseline}
        assert homes == {"one_to_many": "one_to_many", "many_to_many": "one_to_many"}
        assert list(dict.fromkeys(c.setting for c in cells)) == ["one_to_many", "many_to_many"]  # the paper's order


def test_extra_baseline_seeds_go_to_the_baseline_only():
    cells = expand_grid(
        {
            **grid(one_to_many={"reference": "translate_en_de", "auxiliary": {"parse_en": [0.1]}}),
            "seeds": [1, 2],
            "extra_baseline_seeds": [7, 8],
        }
    )
    by_id = {c.cell: c.seeds for c in cells}
    assert by_id == {"baseline": (1, 2, 7, 8), "parse0.1": (1, 2)}
    with pytest.raises(ConfigError, match="grid.extra_baseline_seeds"):
        expand_grid(
            {**grid(one_to_many={"reference": "translate_en_de"}), "seeds": [1, 2], "extra_baseline_seeds": [2]}
        )
