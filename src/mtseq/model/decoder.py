"""Target-side module: an LSTM language model conditioned on the encoder's final state."""

from __future__ import annotations

import torch
from torch import nn

from mtseq.model.attention import GlobalAttention
from mtseq.model.encoders import EncoderOutput

State = tuple[torch.Tensor, ...]  # (h, c), or (h, c, feed) with input feeding: every tensor batch-second


class Decoder(nn.Module):
    """Embedding -> dropout -> LSTM (initialised from the encoder) -> [attention] -> dropout -> softmax layer.

    With ``input_feed`` (Luong et al. 2015, §3.3) each step's LSTM input is the word's embedding
    beside the previous step's attentional vector (after dropout, as OpenNMT feeds it), so the
    decoder knows what it attended to; teacher forcing then unrolls the LSTM one step at a time.
    """

    def __init__(
        self,
        vocab: int,
        embed: int,
        hidden: int,
        layers: int,
        dropout: float,
        attention: str | None,
        input_feed: bool = False,
    ):
        super().__init__()
        if input_feed and not attention:
            raise ValueError("input feeding feeds the attentional vector: it needs attention")
        self.input_feed = input_feed
        self.embedding = nn.Embedding(vocab, embed)
        self.drop = nn.Dropout(dropout)
        lstm_in = embed + hidden if input_feed else embed
        self.lstm = nn.LSTM(lstm_in, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.attention = GlobalAttention(hidden, attention) if attention else None
        self.out = nn.Linear(hidden, vocab)

    def start_state(self, state: State) -> State:
        """The first step's state from the encoder's (h, c): with input feeding, a zero attentional vector."""
        h, c = state[:2]
        if not self.input_feed:
            return h, c
        return h, c, h.new_zeros(1, h.size(1), self.lstm.hidden_size)

    def features(self, tgt_in: torch.Tensor, enc: EncoderOutput) -> torch.Tensor:
        """Teacher-forced top-layer outputs [B, T, H] (before the softmax layer)."""
        return self._teacher_forced(tgt_in, enc, False)

    def attention_weights(self, tgt_in: torch.Tensor, enc: EncoderOutput) -> torch.Tensor:
        """Teacher-forced attention weights [B, T, S] over the encoder's input positions."""
        if self.attention is None:
            raise ValueError("this decoder has no attention")
        return self._teacher_forced(tgt_in, enc, True)[1]

    def _teacher_forced(self, tgt_in: torch.Tensor, enc: EncoderOutput, weights: bool):
        emb = self.drop(self.embedding(tgt_in))
        if self.input_feed:
            return self._fed(emb, enc, weights)
        out, _ = self.lstm(emb, enc.state)
        if self.attention is None:
            return self.drop(out)
        out = self.attention(out, enc.memory, enc.mask, return_weights=weights)
        return (self.drop(out[0]), out[1]) if weights else self.drop(out)

    def _fed(self, emb: torch.Tensor, enc: EncoderOutput, weights: bool):
        keys = self.attention.keys(enc.memory)
        h, c, feed = self.start_state(enc.state)
        feed, outs, alphas = feed.transpose(0, 1), [], []
        for t in range(emb.size(1)):
            out, (h, c) = self.lstm(torch.cat([emb[:, t : t + 1], feed], dim=-1), (h, c))
            out, alpha = self.attention(out, enc.memory, enc.mask, keys, return_weights=True)
            feed = self.drop(out)
            outs.append(feed)
            alphas.append(alpha)
        feats = torch.cat(outs, dim=1)
        return (feats, torch.cat(alphas, dim=1)) if weights else feats

    def step(
        self,
        tokens: torch.Tensor,
        state: State,
        memory: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        keys: torch.Tensor | None = None,
        log_probs: bool = True,
    ) -> tuple[torch.Tensor, State]:
        """One decoding step: tokens [N] -> log-probabilities [N, V] (or raw logits) and the new state.

        ``state`` is ``start_state``'s (or a previous step's); an encoder's bare (h, c) is taken too.
        """
        emb = self.drop(self.embedding(tokens[:, None]))
        if self.input_feed:
            h, c, feed = self.start_state(state) if len(state) == 2 else state
            out, (h, c) = self.lstm(torch.cat([emb, feed.transpose(0, 1)], dim=-1), (h, c))
            out = self.drop(self.attention(out, memory, mask, keys))
            state = (h, c, out.transpose(0, 1))
        else:
            out, state = self.lstm(emb, state[:2])
            if self.attention is not None:
                out = self.attention(out, memory, mask, keys)
            out = self.drop(out)
        logits = self.out(out[:, 0]).float()
        return (torch.log_softmax(logits, dim=-1) if log_probs else logits), state
