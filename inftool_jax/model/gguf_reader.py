"""One GGUF file (llama.cpp's model format) read with the ``gguf`` package: metadata and dequantized tensors.

Only numpy runs here: the ``gguf`` package memory-maps the file and dequantizes every
block type it knows (F32, F16, BF16, Q4_0, Q4_1, Q5_x, Q8_0, the K-quants, ...). Tensors come
back as float32 numpy arrays in PyTorch/HF orientation ([out_features, in_features]): GGUF
lists dimensions innermost first, the reader already reverses them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from inftool_jax.errors import InputError

GGUF_MAGIC = b"GGUF"


class GGUFFile:
    """Metadata (``key -> python value``) and tensors of one GGUF file; every problem is an InputError naming it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.source = str(self.path)
        if not self.path.is_file():
            raise InputError(self.source, "", "GGUF file not found")
        with open(self.path, "rb") as fh:
            if fh.read(4) != GGUF_MAGIC:
                raise InputError(self.source, "", "not a GGUF file (the first bytes are not 'GGUF')")
        import gguf  # lazily: only import-gguf needs it

        try:
            self._reader = gguf.GGUFReader(str(self.path), "r")
        except Exception as err:  # the reader raises ValueError/struct errors on truncated or corrupt files
            raise InputError(self.source, "", f"not a readable GGUF file ({type(err).__name__}: {err})") from None
        self._tensors = {t.name: t for t in self._reader.tensors}
        self._values: dict[str, Any] = {}  # parsed metadata: the 49k-entry token list is read once, not per use

    # --- metadata -------------------------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self._reader.fields

    def get(self, key: str, default: Any = ...) -> Any:
        """The value of metadata ``key`` (str, int, float, bool or a list of them); InputError when missing and no default."""
        field = self._reader.fields.get(key)
        if field is None:
            if default is ...:
                raise InputError(self.source, key, "metadata key missing from the GGUF file")
            return default
        if key not in self._values:
            try:
                self._values[key] = field.contents()
            except Exception as err:  # e.g. a token that is not UTF-8
                raise InputError(self.source, key, f"metadata value not readable ({type(err).__name__}: {err})") from None
        return self._values[key]

    def number(self, key: str, kind: type, default: Any = ...) -> Any:
        """A numeric metadata value checked to be ``kind`` (int or float)."""
        value = self.get(key, default)
        if value is default and default is not ...:
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not float(value).is_integer()):
            raise InputError(self.source, key, f"expected {kind.__name__}, got {value!r}")
        if kind is float and float(np.float32(value)) == value:
            # GGUF stores these as float32: 1e-5 reads back as 9.9999997e-06; keep the decimal it was written from.
            return float(str(np.float32(value)))
        return kind(value)

    @property
    def architecture(self) -> str:
        arch = self.get("general.architecture")
        if not isinstance(arch, str):
            raise InputError(self.source, "general.architecture", f"expected a string, got {arch!r}")
        return arch

    # --- tensors --------------------------------------------------------------------------------------------
    @property
    def tensor_names(self) -> list[str]:
        return list(self._tensors)

    def tensor_type(self, name: str) -> str:
        return self._tensor(name).tensor_type.name

    def shape(self, name: str) -> tuple[int, ...]:
        """The tensor's shape in numpy order (outermost first), whatever its block type."""
        return tuple(int(d) for d in reversed(self._tensor(name).shape.tolist()))

    def tensor(self, name: str) -> np.ndarray:
        """The tensor dequantized to float32, shaped as :meth:`shape`."""
        import gguf

        t = self._tensor(name)
        try:
            values = gguf.quants.dequantize(t.data, t.tensor_type)
        except NotImplementedError:
            raise InputError(self.source, name, f"block type {t.tensor_type.name} cannot be dequantized by the gguf package") from None
        return np.asarray(values, dtype=np.float32).reshape(self.shape(name))

    def _tensor(self, name: str):
        if name not in self._tensors:
            raise InputError(self.source, name, "tensor missing from the GGUF file")
        return self._tensors[name]
