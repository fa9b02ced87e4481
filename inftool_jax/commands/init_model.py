"""`inftool init-model`: make the tiny default model (BPE tokenizer + random Qwen2) as an HF folder."""

from __future__ import annotations

import argparse

DESCRIPTION = """\
Train a byte-level BPE tokenizer on the tool catalog (the config's `specs`), a few hundred
conversations synthesized from it (tiny_model.corpus_episodes) and built-in generic text, write a Qwen2.5-style chat template with tool support, create a randomly
initialised tiny Qwen2 model and save everything as one Hugging Face folder. The folder then
loads like any real checkpoint (model.path=DIR).

Sizes come from the config's `tiny_model` section (e.g. tiny_model.hidden_size=128);
the seed is the config's `seed`. The same specs, config and seed give the same folder.

Example: inftool init-model --config configs/cpu_tiny.yaml --out runs/tiny-model seed=1
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "init-model",
        help="create the tiny default model (tokenizer trained on the catalog + random Qwen2)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", help="YAML config file (default: built-in defaults)")
    parser.add_argument("--out", required=True, help="output folder for the HF model")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists and is not empty")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("overrides", nargs="*", help="key.sub=value overrides (incl. tiny_model.*)")
    parser.set_defaults(func=_run)


def load_settings(config_path: str | None, overrides: list[str]):
    """``(config, tiny_model_section)`` from the config file and overrides.

    While the composed ``Config`` has no ``tiny_model`` section, ``tiny_model.*``
    overrides are applied to :class:`TinyModelConfig` here, with the same errors.
    """
    import yaml
    from pydantic import ValidationError

    from inftool_jax.config import COMMAND_LINE, Config, load_config
    from inftool_jax.errors import InputError
    from inftool_jax.bootstrap.config import TinyModelConfig

    if "tiny_model" in Config.model_fields:
        config = load_config(config_path, overrides)
        return config, config.tiny_model
    own = [o for o in overrides if o.split("=", 1)[0].strip().startswith("tiny_model.")]
    config = load_config(config_path, [o for o in overrides if o not in own])
    values = {}
    for text in own:
        key, raw = text.split("=", 1)
        field = key.strip()[len("tiny_model.") :]
        if field not in TinyModelConfig.model_fields:
            known = ", ".join(sorted(TinyModelConfig.model_fields))
            raise InputError(COMMAND_LINE, text, f"unknown key '{field}' (known here: {known})")
        try:
            values[field] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            values[field] = raw
    try:
        section = TinyModelConfig.model_validate(values)
    except ValidationError as err:
        first = err.errors()[0]
        key = "tiny_model." + ".".join(str(x) for x in first["loc"])
        raise InputError(COMMAND_LINE, key, f"{first['msg']} (got {first.get('input')!r})") from None
    return config, section


def _run(args: argparse.Namespace) -> int:
    from inftool_jax.bootstrap.tiny_model import init_tiny_model

    config, section = load_settings(args.config, args.overrides)
    specs = config.spec_paths()
    out = init_tiny_model(args.out, specs, section, seed=config.seed, overwrite=args.force,
                          progress=not args.quiet, synth=config.synth)
    print(out)
    return 0
