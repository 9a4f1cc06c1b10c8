"""Source-side modules: a text LSTM encoder and an image-feature encoder.

Both return what a decoder needs to start: the (h, c) of every layer and,
for attention, a memory of source states with its padding mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


@dataclass
class EncoderOutput:
    state: tuple[torch.Tensor, torch.Tensor]  # (h, c), each [layers, B, H]
    memory: torch.Tensor | None  # [B, S, H] (only when attention is on)
    mask: torch.Tensor | None  # [B, S] bool, True for real positions


def reverse_padded(src: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[b]`` tokens, leaving the padding where it is."""
    steps = torch.arange(src.size(1), device=src.device)
    idx = lengths.to(src.device)[:, None] - 1 - steps[None, :]
    idx = torch.where(idx >= 0, idx, steps[None, :])
    return src.gather(1, idx)


class TextEncoder(nn.Module):
    """Embedding -> dropout -> multi-layer LSTM over the (optionally reversed) source.

    Padding never enters the recurrence, so the final (h, c) of every layer
    is the state after each sentence's last token. On the GPU that is a
    packed sequence (cuDNN handles it well); on the CPU, where PyTorch's
    packed LSTM runs about twice as slow as a padded one, the batch is
    split into groups of equal source length (length-bucketed batches have
    one or two) and each group runs unpacked.

    A bidirectional encoder runs ``hidden / 2`` units each way and concatenates
    them, so its memory and every layer's (h, c) have the decoder's size as
    they are (OpenNMT's ``brnn``): attention sees both sides of each word.
    """

    max_groups = 8  # more distinct lengths than this: packing is cheaper than many small calls

    def __init__(
        self,
        vocab: int,
        embed: int,
        hidden: int,
        layers: int,
        dropout: float,
        reverse: bool,
        bidirectional: bool = False,
    ):
        super().__init__()
        if bidirectional and hidden % 2:
            raise ValueError(f"a bidirectional encoder splits hidden in two halves: {hidden} is odd")
        self.reverse = reverse
        self.keep_memory = False  # set by the model when attention is on
        self.embedding = nn.Embedding(vocab, embed)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            embed,
            hidden // 2 if bidirectional else hidden,
            layers,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
            bidirectional=bidirectional,
        )

    def forward(self, src: torch.Tensor, lengths: torch.Tensor) -> EncoderOutput:
        """src [B, S] token ids (right-padded), lengths [B] (on the CPU)."""
        if self.reverse:
            src = reverse_padded(src, lengths)
        emb = self.drop(self.embedding(src))
        lengths = lengths.cpu()
        groups = torch.unique(lengths)
        if src.is_cuda or len(groups) > self.max_groups:
            packed = pack_padded_sequence(emb, lengths, batch_first=True, enforce_sorted=False)
            out, state = self.lstm(packed)
            memory = (
                pad_packed_sequence(out, batch_first=True, total_length=src.size(1))[0] if self.keep_memory else None
            )
        else:
            memory, state = self._grouped(emb, lengths, groups)
        if self.lstm.bidirectional:
            state = tuple(_join_directions(x) for x in state)
        if not self.keep_memory:
            return EncoderOutput(state, None, None)
        mask = torch.arange(src.size(1), device=src.device)[None, :] < lengths.to(src.device)[:, None]
        return EncoderOutput(state, self.drop(memory), mask)

    def _grouped(self, emb: torch.Tensor, lengths: torch.Tensor, groups: torch.Tensor):
        """Run each group of equal-length rows unpacked; reassemble states (and memory) in batch order."""
        if len(groups) == 1:
            n = int(groups[0])
            out, state = self.lstm(emb[:, :n])
            if out.size(1) < emb.size(1):
                out = nn.functional.pad(out, (0, 0, 0, emb.size(1) - out.size(1)))
            return (out if self.keep_memory else None), state
        b, width = emb.shape[:2]
        directions = 2 if self.lstm.bidirectional else 1
        h = emb.new_zeros(self.lstm.num_layers * directions, b, self.lstm.hidden_size)
        c = torch.zeros_like(h)
        memory = emb.new_zeros(b, width, self.lstm.hidden_size * directions) if self.keep_memory else None
        for n in groups.tolist():
            rows = torch.nonzero(lengths == n).squeeze(1).to(emb.device)
            out, (hg, cg) = self.lstm(emb.index_select(0, rows)[:, :n])
            h = h.index_copy(1, rows, hg)
            c = c.index_copy(1, rows, cg)
            if memory is not None:
                memory = memory.index_copy(0, rows, nn.functional.pad(out, (0, 0, 0, width - n)))
        return memory, (h, c)


def _join_directions(x: torch.Tensor) -> torch.Tensor:
    """[layers * 2, B, H/2] (PyTorch's order: layer-major, forward first) -> [layers, B, H]."""
    layers2, b, half = x.shape
    return x.view(layers2 // 2, 2, b, half).transpose(1, 2).reshape(layers2 // 2, b, 2 * half)


class ImageEncoder(nn.Module):
    """A feature vector -> every decoder layer's initial (h, c), through Linear + tanh.

    The memory for attention is the top layer's h: one "source position".
    """

    def __init__(self, feature_dim: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        self.layers, self.hidden = layers, hidden
        self.keep_memory = False
        self.drop = nn.Dropout(dropout)
        self.proj = nn.Linear(feature_dim, 2 * layers * hidden)

    def forward(self, features: torch.Tensor) -> EncoderOutput:
        """features [B, D] float."""
        b = features.size(0)
        hc = torch.tanh(self.proj(self.drop(features)))
        hc = hc.view(b, 2, self.layers, self.hidden).permute(1, 2, 0, 3)
        h, c = hc[0].contiguous(), hc[1].contiguous()
        if not self.keep_memory:
            return EncoderOutput((h, c), None, None)
        mask = torch.ones(b, 1, dtype=torch.bool, device=features.device)
        return EncoderOutput((h, c), self.drop(h[-1]).unsqueeze(1), mask)
