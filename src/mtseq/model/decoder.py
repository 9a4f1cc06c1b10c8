"""Target-side module: an LSTM language model conditioned on the encoder's final state."""

from __future__ import annotations

import torch
from torch import nn

from mtseq.model.attention import GlobalAttention
from mtseq.model.encoders import EncoderOutput


class Decoder(nn.Module):
    """Embedding -> dropout -> LSTM (initialised from the encoder) -> [attention] -> dropout -> softmax layer."""

    def __init__(self, vocab: int, embed: int, hidden: int, layers: int, dropout: float, attention: str | None):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(embed, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.attention = GlobalAttention(hidden, attention) if attention else None
        self.out = nn.Linear(hidden, vocab)

    def features(self, tgt_in: torch.Tensor, enc: EncoderOutput) -> torch.Tensor:
        """Teacher-forced top-layer outputs [B, T, H] (before the softmax layer)."""
        out, _ = self.lstm(self.drop(self.embedding(tgt_in)), enc.state)
        if self.attention is not None:
            out = self.attention(out, enc.memory, enc.mask)
        return self.drop(out)

    def step(
        self,
        tokens: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor],
        memory: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        keys: torch.Tensor | None = None,
        log_probs: bool = True,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """One decoding step: tokens [N] -> log-probabilities [N, V] (or raw logits) and the new state."""
        out, state = self.lstm(self.drop(self.embedding(tokens[:, None])), state)
        if self.attention is not None:
            out = self.attention(out, memory, mask, keys)
        logits = self.out(self.drop(out[:, 0])).float()
        return (torch.log_softmax(logits, dim=-1) if log_probs else logits), state
