"""Multi-task training: data, batching, task mixing, the loop, checkpoints and run directories.

Entry point: ``mtseq.train.run.train_run`` (what ``mtseq train`` calls). The ``train`` section's
defaults are the schema's: ``mtseq.config.fill_section("train", cfg)``.
"""
