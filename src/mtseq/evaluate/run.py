"""Evaluate one trained run: decode every task on valid and test, score, write metrics.json.

Translation and captioning get sacrebleu BLEU/chrF (detokenised) and
tokenised BLEU; parsing gets EVALB-style F1 on delinearised, repaired
trees; every task gets teacher-forced perplexity, and an attention model's
reference task its attention statistics on validation (``evaluate.attention``:
does it align, or has it collapsed onto one position?). Hypotheses and per-sentence
parse counts are kept beside the metrics for the sentence bootstrap.

Validation outputs are decoded for the reference task only: validation is
where cells are compared and chosen, on the reference metric; an auxiliary
task gets its validation perplexity and is decoded on test. With 3,000
sentences a split this halves the decoding of a multi-task run.

The run directory is checked before anything is decoded (train.json's
tasks and types, the model's tasks, vocabulary sizes and feature width
against the corpus), and every output lands in one commit at the end
(``AtomicOutputs``): an evaluation refused or killed half-way leaves no
``hyp.*`` beside an old or missing ``metrics.json``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path

import numpy as np

from mtseq.decode.beam import translate
from mtseq.decode.perplexity import perplexity
from mtseq.errors import MtseqError, short_repr
from mtseq.evaluate.attention import attention_stats, has_text_attention
from mtseq.evaluate.textmetrics import References, group_references, read_image_ids, text_scores
from mtseq.io import AtomicOutputs, read_lines
from mtseq.layout import Layout
from mtseq.locks import hold_run_dir
from mtseq.model.multitask import load_model
from mtseq.tasks import TASKS, get_task
from mtseq.train.examples import load_task, load_vocabs

log = logging.getLogger("mtseq.evaluate")
SPLITS = ("valid", "test")


def _read_json(path: Path) -> dict:
    try:
        info = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise MtseqError("file not found (train this run first)", path) from None
    except IsADirectoryError:
        raise MtseqError("is a directory, not train.json", path) from None
    except UnicodeDecodeError as err:
        raise MtseqError(f"invalid UTF-8 (byte 0x{err.object[err.start]:02x})", path) from None
    except json.JSONDecodeError as err:
        raise MtseqError(f"corrupt JSON: {err.msg}", path, err.lineno) from None
    if not isinstance(info, dict):
        raise MtseqError(f"expected a JSON object, found {type(info).__name__}", path)
    return info


def check_train_info(info: dict, path: Path) -> list[str]:
    """The tasks to evaluate (ratio > 0), once train.json's fields have the types evaluation relies on."""
    ratios = info.get("ratios")
    if not isinstance(ratios, dict) or not ratios:
        raise MtseqError("'ratios' must map task -> ratio", path)
    for task, alpha in ratios.items():
        if task not in TASKS:
            raise MtseqError(f"'ratios' names an unknown task {short_repr(task)}", path)
        if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not math.isfinite(alpha) or alpha < 0:
            raise MtseqError(f"ratio of {task} must be a finite number >= 0, not {short_repr(alpha)}", path)
    reference = info.get("reference")
    if not isinstance(reference, str) or reference not in ratios or not ratios[reference] > 0:
        raise MtseqError(f"'reference' {short_repr(info.get('reference'))} is not a task of 'ratios'", path)
    for key in ("setting", "cell"):
        if not isinstance(info.get(key), str):
            raise MtseqError(f"'{key}' must be a string, not {short_repr(info.get(key))}", path)
    seed = info.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise MtseqError(f"'seed' must be an integer in 0 ... 2^63-1, not {short_repr(seed)}", path)
    return [t for t, alpha in ratios.items() if alpha > 0]


class RunEvaluator:
    def __init__(self, run: Path, data_root: Path, decode_cfg: dict):
        self.run, self.layout, self.cfg = Path(run), Layout(data_root), decode_cfg
        if not self.run.is_dir():
            raise MtseqError("run directory not found" if not self.run.exists() else "not a directory", self.run)
        info_path = self.run / "train.json"
        self.info = _read_json(info_path)
        self.tasks = check_train_info(self.info, info_path)
        self.model = load_model(self.run / "model.pt")
        foreign = [t for t in self.tasks if t not in self.model.task_names]
        if foreign:
            raise MtseqError(
                f"names task(s) {', '.join(foreign)} that {self.run / 'model.pt'} was not trained on "
                f"(it has {', '.join(self.model.task_names)}): train.json and model.pt of different runs?",
                info_path,
            )
        sides = [s for t in self.model.task_names for s in (get_task(t).source, get_task(t).target)]
        self.vocabs = load_vocabs(self.layout, sides)
        for name, vocab in self.vocabs.items():
            expected = self.model.vocab_sizes.get(name)
            if expected is not None and expected != len(vocab):
                raise MtseqError(
                    f"{len(vocab)} entries, but {self.run / 'model.pt'} was trained with {expected}: "
                    "a vocabulary of another corpus or config?",
                    self.layout.vocab(name),
                )
        self.outputs: list[tuple[str, Path, object]] = []  # ("lines" | "json", path, content), written at the end

    def _decode(self, task: str, sources, beam: int | None = None) -> list[list[str]]:
        ids = translate(
            self.model,
            task,
            sources,
            beam=self.cfg["beam"] if beam is None else beam,
            length_penalty=self.cfg["length_penalty"],
            max_len=self.cfg["max_len"],
            batch_size=self.cfg["batch_size"],
            norm=self.cfg["length_norm"],
        )
        vocab = self.vocabs[get_task(task).target]
        return [vocab.decode(seq) for seq in ids]

    def _sources(self, data) -> list[list[int]]:
        return [data.source.get(i) for i in range(len(data))]

    def task_split(self, task_name: str, split: str, decode: bool = True) -> dict:
        task = get_task(task_name)
        data = load_task(self.layout, task, split, self.vocabs)
        scores: dict = {"ppl": perplexity(self.model, task_name, data, self.cfg["batch_size"]), "examples": len(data)}
        if split == "valid" and task_name == self.info["reference"] and has_text_attention(self.model, task_name):
            scores.update(attention_stats(self.model, task_name, data, self.cfg["batch_size"]))
        if not decode:
            return scores
        files = task.files(self.layout, split)
        if task.kind == "translate":
            refs = read_lines(files["target"])
            if len(refs) != len(data):
                raise MtseqError(f"{len(refs)} references but {len(data)} examples", files["target"])
            sources, ref_sets = self._sources(data), [[r] for r in refs]
            hyps = [" ".join(h) for h in self._decode(task_name, sources)]
            prepared = References(ref_sets, task.target)
            scores.update(prepared.scores(hyps))
            self.outputs.append(("lines", self.run / f"hyp.{task_name}.{split}", hyps))
            if self._greedy_too(task_name, split):
                greedy = [" ".join(h) for h in self._decode(task_name, sources, beam=1)]
                also = prepared.scores(greedy)
                scores.update({f"{k}_greedy": also[k] for k in ("bleu", "chrf", "bleu_tok")})
                self.outputs.append(("lines", self.run / f"hyp.{task_name}.{split}.greedy", greedy))
        elif task.kind == "caption":
            if data.features.shape[1] != self.model.feature_dim:
                raise MtseqError(
                    f"features have {data.features.shape[1]} columns, but {self.run / 'model.pt'} was trained "
                    f"with {self.model.feature_dim}",
                    files["features"],
                )
            rows, refs = group_references(read_lines(files["target"]), read_image_ids(files["image_ids"]))
            hyps = [" ".join(h) for h in self._decode(task_name, data.features[np.asarray(rows)])]
            scores.update(text_scores(hyps, refs, task.target))
            self.outputs.append(("lines", self.run / f"hyp.{task_name}.{split}", hyps))
        elif task.kind == "parse":
            # nltk (trees, scoring) takes a second to import: only runs with a parse task pay for it
            from mtseq.evaluate.parseval import corpus_scores, score_sentences
            from mtseq.trees import delinearise, read_trees, tree_to_line

            words = read_lines(files["source"])
            gold = read_trees(self.layout.parse_clean(split))
            if not (len(words) == len(gold) == len(data)):
                raise MtseqError(
                    f"{len(words)} sentences, {len(gold)} gold trees, {len(data)} examples", files["source"]
                )
            lin = self._decode(task_name, self._sources(data))
            repaired = [delinearise(seq, w.split()) for seq, w in zip(lin, words, strict=True)]
            per_sentence = score_sentences(gold, [tree for tree, _ in repaired])
            scores.update({k: v for k, v in corpus_scores(per_sentence).items() if isinstance(v, int | float)})
            scores["repaired_share"] = sum(flag for _, flag in repaired) / max(len(repaired), 1)
            self.outputs.append(("lines", self.run / f"hyp.{task_name}.{split}", [" ".join(s) for s in lin]))
            self.outputs.append(
                ("lines", self.run / f"hyp.{task_name}.{split}.mrg", [tree_to_line(t) for t, _ in repaired])
            )
            stats = [[s.matched, s.gold, s.test] for s in per_sentence]
            self.outputs.append(("json", self.run / f"parse_stats.{split}.json", stats))
        return scores

    def _greedy_too(self, task: str, split: str) -> bool:
        """decode.also_greedy: the reference task's test set once more with beam 1, to report both."""
        return (
            bool(self.cfg.get("also_greedy"))
            and self.cfg["beam"] > 1
            and split == "test"
            and (task == self.info["reference"])
        )

    def evaluate(self) -> dict:
        start = time.perf_counter()
        tasks = self.tasks
        metrics = {k: self.info[k] for k in ("setting", "cell", "seed", "ratios")}
        metrics["tasks"] = {}
        for task in tasks:
            metrics["tasks"][task] = {}
            for split in SPLITS:
                decode = split == "test" or task == self.info["reference"]
                metrics["tasks"][task][split] = self.task_split(task, split, decode)
                log.info("%s %s: %s", task, split, _brief(metrics["tasks"][task][split]))
        metrics["decode"] = dict(self.cfg)
        metrics["eval_time_s"] = round(time.perf_counter() - start, 3)
        with AtomicOutputs() as out:  # every hyp.*, parse_stats.* and metrics.json land together, or none does
            for kind, path, content in self.outputs:
                (out.write_lines if kind == "lines" else out.write_json)(path, content)
            out.write_json(self.run / "metrics.json", metrics)
        return metrics


def _brief(scores: dict) -> str:
    keys = ("bleu", "chrf", "bleu_tok", "bleu_greedy", "f1", "repaired_share", "ppl")
    return " ".join(f"{k}={scores[k]:.2f}" for k in keys if k in scores)


def evaluate_run(run: str | Path, data_root: str | Path, decode_cfg: dict) -> dict:
    """Decode and score ``run``, holding it (``mtseq.locks.hold_run_dir``): refused while a trainer writes it."""
    with hold_run_dir(run, "evaluate", make=False):
        return RunEvaluator(Path(run), Path(data_root), decode_cfg).evaluate()


def headline(metrics: dict, reference: str) -> str:
    """``translate_en_de test bleu=12.34 chrf=40.10 ...``: the reference task's test scores, for a status line."""
    scores = metrics.get("tasks", {}).get(reference, {}).get("test")
    return f"{reference} test {_brief(scores)}" if scores else f"{reference}: no test scores"
