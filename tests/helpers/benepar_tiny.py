"""A tiny, offline benepar model for tests of the silver-tree path.

benepar's pretrained models cannot be downloaded here, so tests build a
char-LSTM ``ChartParser`` (no transformers weights), train it a few steps on
hand-written trees so its output is not one fixed shape, and save it the
way benepar's training script does: ``benepar.Parser(path)`` loads it like a
released model.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nltk
import torch

TREES = [
    "(S (NP (DT the) (NN cat)) (VP (VBD sat) (PP (IN on) (NP (DT the) (NN mat)))) (. .))",
    "(S (NP (DT a) (NN dog)) (VP (VBD barked)) (. .))",
    "(S (NP (NNP John)) (VP (VBZ likes) (NP (NNS apples))) (. .))",
    "(S (NP (DT the) (JJ old) (NN man)) (VP (VBD saw) (NP (DT a) (NN bird))) (. .))",
    "(S (NP (PRP she)) (VP (VBD gave) (NP (PRP him)) (NP (DT a) (NN book))) (. .))",
    "(S (NP (NNS children)) (VP (VBP play) (PP (IN in) (NP (DT the) (NN park)))) (. .))",
    "(SQ (VBZ is) (NP (PRP it)) (ADJP (JJ red)) (. ?))",
    "(S (NP (NNP Mary)) (VP (VBD said) (SBAR (IN that) (S (NP (PRP it)) (VP (VBD rained))))) (. .))",
    "(NP (NP (DT the) (NN house)) (PP (IN of) (NP (NNP Anna))))",
    "(S (NP (PRP we)) (VP (MD will) (VP (VB go) (ADVP (RB home)))) (. .))",
    "(FRAG (INTJ (UH yes)) (. !))",
    "(S (NP (DT the) (NNS birds)) (VP (VBD flew) (ADVP (RB away))) (. .))",
]

HPARAMS = dict(
    d_model=32,
    num_layers=1,
    num_heads=2,
    d_kv=16,
    d_ff=32,
    d_label_hidden=32,
    d_tag_hidden=32,
    d_char_emb=16,
    encoder_max_len=64,
    use_pretrained=False,
    pretrained_model="none",
    use_chars_lstm=True,
    use_encoder=True,
    predict_tags=True,
    tag_loss_scale=5.0,
    force_root_constituent=True,
    char_lstm_input_dropout=0.0,
    morpho_emb_dropout=0.0,
    attention_dropout=0.0,
    relu_dropout=0.0,
    residual_dropout=0.0,
)


@dataclasses.dataclass
class Example:
    """What ``ChartParser.encode`` reads from a training example (benepar's own class is not in the wheel)."""

    tree: nltk.Tree
    words: list[str]
    space_after: list[bool]

    def leaves(self) -> list[str]:
        return self.tree.leaves()

    def pos(self) -> list[tuple[str, str]]:
        return self.tree.pos()


def examples(lines: list[str] = TREES) -> list[Example]:
    out = []
    for line in lines:
        tree = nltk.Tree.fromstring(line)
        out.append(Example(tree, tree.leaves(), [True] * len(tree.leaves())))
    return out


def build(steps: int = 40, seed: int = 0):
    """A trained tiny ``ChartParser`` (a few seconds on a CPU)."""
    from benepar import char_lstm, decode_chart, nkutil, parse_chart

    torch.manual_seed(seed)
    train = examples()
    trees = [ex.tree for ex in train]
    label_vocab = decode_chart.ChartDecoder.build_vocab(trees)
    tags = sorted({tag for tree in trees for _, tag in tree.pos()})
    tag_vocab = {tag: i for i, tag in enumerate(["UNK", *tags])}
    char_vocab = char_lstm.RetokenizerForCharLSTM.build_vocab([ex.words for ex in train])
    model = parse_chart.ChartParser(tag_vocab, label_vocab, char_vocab, nkutil.HParams(**HPARAMS))
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        optimiser.zero_grad()
        for _, batch in model.encode_and_collate_subbatches(train, subbatch_max_tokens=2000):
            model.compute_loss(batch).backward()
        optimiser.step()
    model.eval()
    return model


def save(model, path: str | Path) -> Path:
    """Save in the single-file checkpoint format ``benepar.Parser(path)`` loads."""
    path = Path(path)
    torch.save({"config": model.config, "state_dict": model.state_dict()}, path)
    return path


def tiny_model(directory: str | Path, name: str = "tiny_benepar.pt", steps: int = 40, seed: int = 0) -> Path:
    """Build, train and save a tiny model in ``directory``; return its path."""
    return save(build(steps=steps, seed=seed), Path(directory) / name)
