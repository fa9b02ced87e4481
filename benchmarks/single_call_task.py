"""One real single-call task for the GRPO benchmarks (bench_grpo.py, device_check_grpo.py): the first verified
single-call episode synthesized from the sample catalog with one tool offered. No side effects on import."""

from __future__ import annotations

from pathlib import Path

SPECS = Path(__file__).resolve().parents[1] / "configs" / "specs"


def single_call_task(folder: Path):
    """``(task, episode, catalog)``: the first verified single-call episode synthesized from the sample catalog (one
    tool offered) into ``folder / "data"``, and its single-turn task."""
    from inftool_jax.rollout.episode_rollout import single_turn_tasks
    from inftool_jax.synth.config import SynthConfig
    from inftool_jax.synth.dataset import read_episodes
    from inftool_jax.synth.pipeline import Synthesis
    from inftool_jax.tools.catalog import load_catalog

    catalog = load_catalog([SPECS]).tools
    only_single = {c: 0 for c in ("parallel", "multiple", "parallel_multiple", "no_call", "clarification", "multi_step", "multi_turn")}
    synth = SynthConfig.model_validate({"categories": {"single": 1, **only_single},
                                        "difficulty": {"tools_offered_min": 1, "tools_offered_max": 1}})
    run = Synthesis(catalog, synth, 0, folder / "data")
    run.open(False)
    run.run(2)
    episode = next(iter(read_episodes(folder / "data")))
    return single_turn_tasks(episode)[0], episode, catalog
