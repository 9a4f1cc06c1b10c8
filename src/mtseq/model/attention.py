"""Luong et al. (2015) global attention, an optional switch (the 2016 paper uses none).

No input feeding: attention is applied on top of the decoder's LSTM outputs,
so training still runs the whole target through one (cuDNN) LSTM call.
"""

from __future__ import annotations

import torch
from torch import nn

SCORES = ("dot", "general", "general_scaled")


class GlobalAttention(nn.Module):
    """score(h_t, h_s) = h_t·h_s (dot), h_t·W h_s (general) or h_t·W h_s / sqrt(H) (general_scaled);
    h~_t = tanh(W_c [c_t; h_t]).

    The scaled score is Vaswani et al.'s remedy for a softmax saturated by large dot products,
    the state in which an attention that has collapsed onto one position gets no gradient
    to move (evaluate.attention).
    """

    def __init__(self, hidden: int, score: str = "general"):
        super().__init__()
        if score not in SCORES:
            raise ValueError(f"attention score must be one of {SCORES}, not {score!r}")
        self.score = score
        self.w_a = nn.Linear(hidden, hidden, bias=False) if score != "dot" else None
        self.scale = hidden**-0.5 if score == "general_scaled" else 1.0
        self.w_c = nn.Linear(2 * hidden, hidden, bias=False)

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        """Project the memory once per source (reused at every decoding step)."""
        return self.w_a(memory) if self.w_a is not None else memory

    def forward(
        self,
        query: torch.Tensor,
        memory: torch.Tensor,
        mask: torch.Tensor,
        keys: torch.Tensor | None = None,
        return_weights: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """query [B, T, H], memory [B, S, H], mask [B, S] (True = real) -> h~ [B, T, H] (and weights [B, T, S])."""
        keys = self.keys(memory) if keys is None else keys
        scores = torch.bmm(query, keys.transpose(1, 2))
        if self.scale != 1.0:
            scores = scores * self.scale
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1).to(memory.dtype)
        context = torch.bmm(weights, memory)
        out = torch.tanh(self.w_c(torch.cat([context, query], dim=-1)))
        return (out, weights) if return_weights else out
