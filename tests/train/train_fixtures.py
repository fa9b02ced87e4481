"""Tiny model config and random token batches shared by the training tests (imported by path)."""

import numpy as np

TINY_HF_CONFIG = {
    "model_type": "qwen2",
    "architectures": ["Qwen2ForCausalLM"],
    "vocab_size": 64,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 1,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 128,
    "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
    "tie_word_embeddings": True,
    "initializer_range": 0.02,
}


def make_batch(rows: int, length: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Random token batch with ragged real lengths and ragged assistant masks."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 64, size=(rows, length)).astype(np.int32)
    attention = np.zeros((rows, length), np.int32)
    loss = np.zeros((rows, length), np.int32)
    for r in range(rows):
        n = int(rng.integers(length // 3, length + 1))
        attention[r, :n] = 1
        start = int(rng.integers(1, max(n - 1, 2)))
        loss[r, start:n] = 1
        ids[r, n:] = 0
    return {"input_ids": ids, "attention_mask": attention, "loss_mask": loss}
