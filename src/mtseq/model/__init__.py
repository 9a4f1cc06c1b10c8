"""The paper's LSTM encoder-decoders, shared across tasks by modality.

``build_model`` makes one encoder per source modality and one decoder per
target modality of the run's tasks; tasks that name the same modality use
the same module, which is how the paper shares encoders (one-to-many),
decoders (many-to-one) or both (many-to-many).
"""

from mtseq.model.multitask import (
    EncoderOutput,
    MultiTaskModel,
    build_model,
    load_model,
    save_model,
)

__all__ = [
    "EncoderOutput",
    "MultiTaskModel",
    "build_model",
    "load_model",
    "save_model",
]
