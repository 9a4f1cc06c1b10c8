"""One model for a run's tasks: encoders by source modality, decoders by target modality.

A task uses ``encoders[task.source]`` and ``decoders[task.target]``; two
tasks that name the same modality therefore share that module's embeddings
and recurrent weights. Only the modules the run's tasks need are built, so a
saved model is exactly the run's parameters.

Every parameter is initialised from its own generator, keyed by (seed,
parameter name): seed k of a multi-task run starts its shared and
reference modules exactly where seed k of the single-task baseline starts,
whatever auxiliary modules are built beside them, so runs pair by seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mtseq.config import fill_section
from mtseq.errors import MtseqError, describe
from mtseq.io import atomic_path, check_input_file
from mtseq.model.decoder import Decoder
from mtseq.model.encoders import EncoderOutput, ImageEncoder, TextEncoder
from mtseq.tasks import Task, get_task

FORMAT = 1
INIT_STREAM = 4  # seed-sequence stream id (batches 1, mixing 2, dropout 3)


class MultiTaskModel(nn.Module):
    def __init__(
        self,
        cfg: dict,
        tasks: list[str],
        vocab_sizes: dict[str, int],
        feature_dim: int | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.cfg = fill_section("model", cfg)  # the schema's defaults and checks
        self.task_names = list(tasks)
        self.tasks: dict[str, Task] = {name: get_task(name) for name in tasks}
        self.vocab_sizes = {k: int(v) for k, v in vocab_sizes.items()}
        self.feature_dim = feature_dim
        c = self.cfg
        attention = c["attention_score"] if c["attention"] else None
        if c["input_feed"] and attention is None:
            raise MtseqError("model.input_feed feeds the attentional vector: it needs model.attention: true")
        self.encoders = nn.ModuleDict()
        self.decoders = nn.ModuleDict()
        for task in self.tasks.values():
            if task.source not in self.encoders:
                self.encoders[task.source] = self._encoder(task.source, attention is not None)
            if task.target not in self.decoders:
                vocab = self._vocab_size(task.target)
                self.decoders[task.target] = Decoder(
                    vocab, c["embed"], c["hidden"], c["layers"], c["dropout"], attention, c["input_feed"]
                )
        init_parameters(self, float(c["init_range"]), seed)

    def _vocab_size(self, name: str) -> int:
        if name not in self.vocab_sizes:
            raise MtseqError(f"no vocabulary size for '{name}'")
        return self.vocab_sizes[name]

    def _encoder(self, source: str, keep_memory: bool) -> nn.Module:
        c = self.cfg
        if source == "img":
            if not self.feature_dim:
                raise MtseqError("an image task needs the feature dimension")
            enc = ImageEncoder(self.feature_dim, c["hidden"], c["layers"], c["dropout"])
        else:
            vocab = self._vocab_size(source)
            enc = TextEncoder(
                vocab, c["embed"], c["hidden"], c["layers"], c["dropout"], c["reverse_source"], c["bidirectional"]
            )
        enc.keep_memory = keep_memory
        return enc

    def encoder_for(self, task: str) -> nn.Module:
        return self.encoders[self.tasks[task].source]

    def decoder_for(self, task: str) -> Decoder:
        return self.decoders[self.tasks[task].target]

    def encode(self, task: str, batch) -> EncoderOutput:
        """Encode a batch's sources (``src``/``src_len`` for text, ``feats`` for images)."""
        enc = self.encoder_for(task)
        if self.tasks[task].source == "img":
            return enc(batch.feats)
        return enc(batch.src, batch.src_len)

    def forward(self, task: str, batch, label_smoothing: float = 0.0) -> torch.Tensor:
        """Summed token cross-entropy of the batch's targets (padding excluded), in float32.

        ``label_smoothing`` is for training's loss only: perplexities are of the unsmoothed one.
        """
        dec = self.decoder_for(task)
        feats = dec.features(batch.tgt_in, self.encode(task, batch))
        flat = feats.reshape(-1, feats.size(-1)).index_select(0, batch.tgt_index)
        logits = dec.out(flat)
        return F.cross_entropy(logits.float(), batch.tgt_out, reduction="sum", label_smoothing=label_smoothing)


def init_parameters(model: nn.Module, init_range: float, seed: int) -> None:
    """Uniform [-r, r] init, each parameter from a generator keyed by (seed, its name) alone."""
    from mtseq.train.batches import task_key  # a stable crc32 of a name

    with torch.no_grad():
        for name, p in model.named_parameters():
            key = np.random.SeedSequence([int(seed), INIT_STREAM, task_key(name)]).generate_state(1, np.uint64)[0]
            gen = torch.Generator(device="cpu").manual_seed(int(key))
            p.copy_(torch.empty(p.shape).uniform_(-init_range, init_range, generator=gen))


def build_model(
    cfg: dict | None,
    tasks: list[str],
    vocab_sizes: dict[str, int],
    feature_dim: int | None = None,
    seed: int = 0,
) -> MultiTaskModel:
    """The run's model: ``cfg`` is the config's ``model`` section (defaults filled from the schema)."""
    return MultiTaskModel(cfg, tasks, vocab_sizes, feature_dim, seed)


def save_model(path: str | Path, model: MultiTaskModel, extra: dict | None = None) -> None:
    """Weights plus what rebuilds the model (config, tasks, vocabulary sizes), written atomically."""
    payload = {
        "format": FORMAT,
        "config": model.cfg,
        "tasks": model.task_names,
        "vocab_sizes": model.vocab_sizes,
        "feature_dim": model.feature_dim,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "extra": extra or {},
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_model(path: str | Path, device: str | torch.device = "cpu") -> MultiTaskModel:
    """Rebuild a model saved by ``save_model`` (in eval mode, on ``device``)."""
    path = Path(path)
    check_input_file(path, "model file not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any unpickling failure means a bad file
        raise MtseqError(f"cannot read model (damaged, truncated or not a torch file): {describe(err)}", path) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise MtseqError("not an mtseq model file (unknown format)", path)
    try:
        model = MultiTaskModel(payload["config"], payload["tasks"], payload["vocab_sizes"], payload["feature_dim"])
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as err:  # weights that do not fit the stored config
        raise MtseqError(f"model weights do not fit the model's config: {describe(err)}", path) from None
    return model.to(device).eval()
