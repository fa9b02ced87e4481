"""`inftool loop`: iteration 0 (model, held-out set, first data, SFT, evaluation), then rounds of
probe -> gap analysis -> plan -> synthesize -> train -> evaluate, each stage a folder of ``RUN_DIR``.

Stages finish atomically (see :mod:`inftool_jax.loop.run_state`), so ``--resume`` after ``kill -9`` continues
from the last finished stage. ``loop.jsonl`` is rewritten from the iterations' ``summary.json`` files after
each iteration, so it always matches what is on disk.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

from inftool_jax.errors import InputError
from inftool_jax.loop.gaps import analyse
from inftool_jax.loop.leak import LeakIndex
from inftool_jax.loop.plan import make_plan, static_plan
from inftool_jax.loop.run_state import RunState, clean_json, write_json
from inftool_jax.loop.targeted_synth import episodes_by_id, focus_list, merge_data, synthesize, with_mix
from inftool_jax.loop.unseen import INFO, STAGE as UNSEEN_STAGE, figures, split_domains, unseen_seed
from inftool_jax.loop.weight_handover import WeightHandover
from inftool_jax.synth.dataset import read_episodes

LOOP_LOG = "loop.jsonl"


def _json_or_empty(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def iteration_dir(k: int) -> str:
    return f"iter-{k:03d}"


def data_seeds(seed: int, k: int) -> dict[str, int]:
    """The synthesis seeds of iteration ``k``: one per part, never shared between parts or iterations."""
    base = seed * 1000 + 10 * k + 1
    return {"data": base, "failures": base + 1, "fresh": base + 2, "probe": base + 3}


class LoopRunner:
    """One loop run in ``out`` for the composed experiment ``config`` (see the module docstring)."""

    def __init__(self, config: Any, out: str | Path, resume: bool = False, progress: bool = True,
                 say: Callable[[str], None] | None = None):
        self.config = config
        self.loop = config.loop
        self.progress = progress
        self.say = say or (lambda line: print(line, file=sys.stderr, flush=True))
        self.state = RunState(out, config.model_dump(mode="json"), resume, type(config)().model_dump(mode="json"))
        self.root = self.state.root
        self.source = "<config>"
        # The evaluation environment simulates every tool (the unseen-domain set's too); every synthesis of
        # training and probe data sees only self.tools, the catalog without loop.unseen_domains.
        self.catalog = config.load_catalog(warn=lambda line: self.say(f"inftool: warning: {line}")).tools
        self.tools, self.unseen_tools = split_domains(self.catalog, self.loop.unseen_domains, self.source)
        seeds = {s for k in range(self.loop.iterations + 1) for s in data_seeds(config.seed, k).values()}
        if self.loop.heldout_seed in seeds:
            raise InputError(self.source, "loop.heldout_seed", f"{self.loop.heldout_seed} is also a training or probe "
                             "data seed of this run; choose another")
        if self.unseen_tools and unseen_seed(self.loop.heldout_seed) in seeds:
            raise InputError(self.source, "loop.heldout_seed", f"{unseen_seed(self.loop.heldout_seed)} (loop.heldout_seed "
                             "+ 5, the seed of the unseen-domain held-out set) is also a training or probe data seed of "
                             "this run; choose another")
        self._started = time.perf_counter()
        self._heldout_index: LeakIndex | None = None  # both held-out sets: what no training set may hold
        self._unseen_index: LeakIndex | None = None
        self.unseen: Path | None = None  # the unseen-domain held-out set, once made
        self.policy: Path | None = None  # the newest model, for synthesis backends that play the policy
        self.handover = WeightHandover(config, self.root, self.say)  # rollout.engine: sglang; else inert

    # ---- helpers -----------------------------------------------------------

    def _stage(self, name: str, make: Callable[[Path], Any]) -> Path:
        start = time.perf_counter()
        path, ran = self.state.run(name, make)
        if ran:
            self.say(f"[{time.perf_counter() - self._started:6.0f}s] {name}: done in {time.perf_counter() - start:.0f}s"
                     + self._figures(path))
        return path

    @staticmethod
    def _figures(path: Path) -> str:
        for file in ("result.json", "summary.json"):
            if (path / file).is_file():
                r = json.loads((path / file).read_text(encoding="utf-8"))
                if "call_accuracy" in r:
                    return f" (accuracy {r['accuracy']:.3f}, call accuracy {r['call_accuracy']:.3f}, reward {r['reward_mean']:.3f})"
        return ""

    def _mesh(self):
        from inftool_jax.model.sharding import make_mesh

        return make_mesh(self.config.mesh)

    def _load(self, model_dir: Path):
        from inftool_jax.model.pretrained import load_pretrained
        from inftool_jax.model.tokenizer import load_tokenizer

        mesh = self._mesh()
        m = self.config.model
        return load_pretrained(model_dir, dtype=m.compute_dtype, param_dtype=m.param_dtype, mesh=mesh, progress=False), \
            load_tokenizer(model_dir), mesh

    def _env(self):
        from inftool_jax.rollout.tool_env import ToolEnvironment

        return ToolEnvironment(self.catalog)

    def _synth(self, out: Path, seed: int, num: int, weights: dict[str, float] | None = None, focus=(), desc="synth",
               tools=None):
        synth = self.config.synth if weights is None else with_mix(self.config.synth, weights)
        roles = synth.backends.model_dump()
        if "policy" in roles.values():
            if self.policy is not None and self.handover.enabled:
                synth = self.handover.synth_config(synth, self.policy)  # the server plays the current policy
            elif self.policy is not None:
                # The current (trained) policy plays its role ("the improved model generates the next data");
                # only episodes that pass verification are kept, as for every backend.
                synth = synth.model_copy(update={"policy": synth.policy.model_copy(update={"model_path": str(self.policy)})})
            else:
                # The held-out set and the cold-start data come before any training: programmatic agents.
                defaults = type(synth.backends)().model_dump()
                roles = {r: defaults[r] if b == "policy" else b for r, b in roles.items()}
                synth = synth.model_copy(update={"backends": synth.backends.model_validate(roles)})
        manifest = synthesize(self.tools if tools is None else tools, synth, seed, out, num, focus, self.source,
                              self.progress, desc)
        if not manifest.get("complete", True):
            raise InputError(str(out), "", f"synthesis stopped at {manifest['kept']} of {num} episodes "
                             "(raise synth.max_attempts_factor or loosen the gates)")

    # ---- stages ------------------------------------------------------------

    def _model0(self) -> Path:
        if self.config.model.path:
            return self.config.resolve(self.config.model.path)

        def make(out: Path) -> None:
            from inftool_jax.bootstrap.tiny_model import init_tiny_model

            init_tiny_model(out, self.config.spec_paths(), self.config.tiny_model,
                            seed=self.config.seed, overwrite=True, progress=self.progress, synth=self.config.synth)

        return self._stage(f"{iteration_dir(0)}/model", make)

    def _evaluate(self, name: str, model_dir: Path, heldout: Path) -> dict[str, Any]:
        def make(out: Path) -> None:
            from inftool_jax.evaluate.synthetic_eval import evaluate_policy, heldout_tasks
            from inftool_jax.evaluate.synthetic_report import write_report

            model, tokenizer, mesh = self._load(model_dir)
            env = self._env()
            tasks = heldout_tasks(heldout, env)
            result = evaluate_policy(model, tokenizer, tasks, env, self.config.reward, mesh, self.loop.eval_max_new_tokens,
                                     self.loop.eval_batch_size, progress=self.progress)
            result["model"] = str(model_dir)
            result["data"] = str(heldout)
            write_report(clean_json(result), out / "result.json")

        path = self._stage(name, make)
        return json.loads((path / "result.json").read_text(encoding="utf-8"))

    def _bfcl(self, name: str, model_dir: Path) -> dict[str, Any] | None:
        """The configured BFCL categories on ``model_dir`` (None when none are configured)."""
        loop = self.loop
        if not loop.bfcl_categories:
            return None

        def make(out: Path) -> None:
            from inftool_jax.evaluate.bfcl_run import run_bfcl

            result = run_bfcl(model_dir, loop.bfcl_categories, loop.bfcl_limit, out, loop.bfcl_mode, self.progress,
                              max_new_tokens=loop.bfcl_max_new_tokens, batch_size=loop.eval_batch_size)
            write_json(out / "summary.json", {
                "overall": result.get("overall"),
                "categories": {c: v["accuracy"] for c, v in result["categories"].items()},
                "groups": result.get("groups", {}),
                "missing_groups": sorted(result.get("missing_groups", {})),
            })  # timings stay in bfcl_scores.json: loop.jsonl holds only what a rerun reproduces

        path = self._stage(name, make)
        return json.loads((path / "summary.json").read_text(encoding="utf-8"))

    def _train(self, stage: str, name: str, model_dir: Path, data_dir: Path, round_sft: bool = False) -> tuple[Path, dict[str, Any]]:
        def make(out: Path) -> None:
            if stage == "sft":
                from inftool_jax.sft.trainer import run_sft

                config = self.config
                if round_sft:
                    config = config.model_copy(update={"sft": config.sft.model_copy(update=self.loop.round_sft.model_dump())})
                summary = run_sft(config, model_dir, data_dir, out, force=True, progress=self.progress)
            else:
                from inftool_jax.rl.grpo_run import run_grpo

                summary = run_grpo(self.config, model_dir, data_dir, out, progress=self.progress,
                                   endpoint=self.handover.serve(model_dir))
                summary = {"stage": "grpo", **{k: v for k, v in summary.items() if isinstance(v, (int, float, str))}}
                logged = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()] \
                    if (out / "metrics.jsonl").is_file() else []
                summary["steps"] = max((int(r.get("step", 0)) for r in logged), default=0)
            shutil.rmtree(out / "checkpoints", ignore_errors=True)  # the stage is over: only its model is kept
            write_json(out / "stage_summary.json", summary)

        path = self._stage(name, make)
        self.handover.after_train(path)
        return path, json.loads((path / "stage_summary.json").read_text(encoding="utf-8"))

    def _leak_index(self, heldout: Path) -> LeakIndex:
        """The held-out sets' leak index (the unseen-domain set's episodes too), built once per run (they never change)."""
        if self._heldout_index is None:
            episodes = list(read_episodes(heldout)) + (list(read_episodes(self.unseen)) if self.unseen else [])
            self._heldout_index = LeakIndex(episodes)
        return self._heldout_index

    def _leaks(self, heldout: Path, data_dir: Path) -> int:
        """Training episodes that are (or near-duplicate) an episode of either held-out set."""
        return len(self._leak_index(heldout).leaks(read_episodes(data_dir)))

    def _unseen_leaks(self, data_dir: Path) -> int:
        """Training episodes that are (or near-duplicate) an episode of the unseen-domain set (part of ``leaks``)."""
        if self._unseen_index is None:
            self._unseen_index = LeakIndex(read_episodes(self.unseen))
        return len(self._unseen_index.leaks(read_episodes(data_dir)))

    def _heldout_unseen(self, out: Path) -> None:
        """The unseen-domain held-out set: only the held-out domains' tools, its own seed, before any training."""
        self._synth(out, unseen_seed(self.loop.heldout_seed), self.loop.unseen_episodes, desc="held-out (unseen domains)",
                    tools=self.unseen_tools)
        write_json(out / INFO, {"domains": sorted(set(self.loop.unseen_domains)),
                                "tools": sorted(t.name for t in self.unseen_tools)})

    def _evaluate_all(self, it: str, model: Path, heldout: Path) -> dict[str, Any]:
        """The iteration's held-out evaluation, the unseen-domain one (``result["unseen"]``) and BFCL (``["bfcl"]``)."""
        result = self._evaluate(f"{it}/eval", model, heldout)
        result["unseen"] = self._evaluate(f"{it}/eval-unseen", model, self.unseen) if self.unseen else None
        result["bfcl"] = self._bfcl(f"{it}/bfcl", model)
        return result

    # ---- the loop ----------------------------------------------------------

    def run(self) -> list[dict[str, Any]]:
        """Run (or resume) the whole loop; returns the ``loop.jsonl`` rows."""
        try:
            return self._run()
        finally:
            self.handover.close()

    def _run(self) -> list[dict[str, Any]]:
        cfg, loop = self.config, self.loop
        model = self._model0()
        heldout = self._stage("heldout", lambda out: self._synth(out, loop.heldout_seed, loop.heldout_episodes, desc="held-out"))
        if self.unseen_tools:
            self.unseen = self._stage(UNSEEN_STAGE, self._heldout_unseen)
        it0 = iteration_dir(0)
        synth0 = self._stage(f"{it0}/synth", lambda out: self._synth(out, data_seeds(cfg.seed, 0)["data"], loop.initial_episodes))
        data = self._stage(f"{it0}/data", lambda out: write_json(out / "parts.json", merge_data(
            out, [("fresh", read_episodes(synth0))], self._leak_index(heldout))))
        base = self._evaluate(f"{it0}/eval-base", model, heldout) if loop.eval_base else None
        if base is not None and self.unseen:
            base["unseen"] = self._evaluate(f"{it0}/eval-base-unseen", model, self.unseen)
        model, train = self._train("sft", f"{it0}/sft", model, data)
        self.policy = model
        result = self._evaluate_all(it0, model, heldout)
        self._summary(0, result, {"targeting": "initial", "fresh": loop.initial_episodes}, [train], heldout, data, base)
        best, since = result["call_accuracy"], 0
        for k in range(1, loop.iterations + 1):
            model, result = self._iteration(k, model, data, heldout)
            self.policy = model
            data = self.root / iteration_dir(k) / "data"
            if result["call_accuracy"] > best:
                best, since = result["call_accuracy"], 0
            else:
                since += 1
            if loop.patience and since >= loop.patience:
                self.say(f"stopping after iteration {k}: held-out call accuracy has not improved for {since} iterations")
                break
        return self.rows()

    def _iteration(self, k: int, model: Path, previous_data: Path, heldout: Path) -> tuple[Path, dict[str, Any]]:
        cfg, loop = self.config, self.loop
        it = iteration_dir(k)
        seeds = data_seeds(cfg.seed, k)
        mix = cfg.synth.categories.model_dump()
        budget = loop.episodes_per_iteration
        if loop.targeting == "gaps":
            probe_data = self._stage(f"{it}/probe-data", lambda out: self._synth(out, seeds["probe"], loop.probe_episodes, desc="probe data"))
            probe = self._stage(f"{it}/probe", lambda out: self._probe(out, model, probe_data, previous_data))
            plan_dir = self._stage(f"{it}/plan", lambda out: self._plan(out, probe, mix, budget))
        else:
            plan_dir = self._stage(f"{it}/plan", lambda out: write_json(out / "plan.json", static_plan(mix, budget)))
        plan = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
        parts = []
        if plan["from_failures"]:
            focus = focus_list(plan["failure_cases"], loop.expansions_per_failure)
            parts.append(("failures", self._stage(f"{it}/synth-failures", lambda out: self._synth(
                out, seeds["failures"], plan["from_failures"], focus=focus, desc="failure expansion"))))
        if plan["fresh"]:
            parts.append(("fresh", self._stage(f"{it}/synth-fresh", lambda out: self._synth(
                out, seeds["fresh"], plan["fresh"], plan["category_weights"], desc="fresh"))))
        pools = [self.root / it / "probe-data", previous_data]

        def make_data(out: Path) -> None:
            kept = episodes_by_id([p for p in pools if p.is_dir()], plan["uncertain_episodes"])
            counts = merge_data(out, [(n, read_episodes(p)) for n, p in parts] + [("uncertain", kept)],
                                self._leak_index(heldout))
            write_json(out / "parts.json", counts)

        data = self._stage(f"{it}/data", make_data)
        trains = []
        for stage in loop.train_stages:
            model, summary = self._train(stage, f"{it}/{stage}", model, data, round_sft=True)
            trains.append(summary)
        result = self._evaluate_all(it, model, heldout)
        self._summary(k, result, plan, trains, heldout, data)
        return model, result

    def _probe(self, out: Path, model_dir: Path, probe_data: Path, previous_data: Path) -> None:
        from inftool_jax.loop.probe import probe

        pools = {"fresh": list(read_episodes(probe_data)), "previous": []}
        for i, episode in enumerate(read_episodes(previous_data)):
            if i >= self.loop.probe_previous:
                break
            pools["previous"].append(episode)
        model, tokenizer, mesh = self._load(model_dir)
        rows = probe(model, tokenizer, pools, self._env(), self.config.reward, mesh, self.loop.eval_max_new_tokens,
                     self.loop.eval_batch_size, self.progress)
        with open(out / "rows.jsonl", "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(clean_json(row), ensure_ascii=False) + "\n")
        write_json(out / "gaps.json", analyse(rows))

    def _plan(self, out: Path, probe: Path, mix: dict[str, float], budget: int) -> None:
        gaps = json.loads((probe / "gaps.json").read_text(encoding="utf-8"))
        write_json(out / "plan.json", make_plan(gaps, self.loop, mix, budget))

    def _summary(self, k: int, result: dict[str, Any], plan: dict[str, Any], trains: list[dict[str, Any]], heldout: Path,
                 data: Path, base: dict[str, Any] | None = None) -> None:
        def make(out: Path) -> None:
            made = {}
            for episode in read_episodes(data):
                c = (episode.get("meta") or {}).get("category", "unknown")
                made[c] = made.get(c, 0) + 1
            row = {
                "iteration": k,
                "eval": {
                    "accuracy": result["accuracy"],
                    "call_accuracy": result["call_accuracy"],
                    "reward_mean": result["reward_mean"],
                    "per_category": {c: {key: v[key] for key in ("turns", "accuracy", "reward_mean")}
                                     for c, v in result.get("categories", {}).items()},
                    "per_gate": result.get("gates", {}),
                },
                "plan": {
                    "targeting": plan.get("targeting"),
                    "category_weights": plan.get("category_weights", {}),
                    "from_failures": plan.get("from_failures", 0),
                    "uncertain_kept": plan.get("uncertain_kept", 0),
                    "fresh": plan.get("fresh", 0),
                },
                "data": {"episodes": sum(made.values()), "per_category": dict(sorted(made.items()))},
                "train": {
                    "stages": [t.get("stage") for t in trains],
                    "steps": sum(int(t.get("steps") or t.get("step") or 0) for t in trains),
                    "reward_mean": next((t.get("reward_mean") for t in reversed(trains) if t.get("reward_mean") is not None), None),
                },
                "leaks": self._leaks(heldout, data),
                "leaks_dropped": len(_json_or_empty(data / "parts.json").get("leaks_dropped", [])),
            }
            if result.get("unseen") is not None:  # the held-out figures on tools no training set ever offered
                row["eval_unseen"] = figures(result["unseen"])
                row["leaks_unseen"] = self._unseen_leaks(data)
            if result.get("bfcl") is not None:
                row["bfcl"] = result["bfcl"]
            if base is not None:  # the model before any training, on the same held-out set
                row["base_eval"] = figures(base)
                if base.get("unseen") is not None:
                    row["base_eval_unseen"] = figures(base["unseen"])
            write_json(out / "summary.json", row)

        self._stage(f"{iteration_dir(k)}/summary", make)
        self._write_log()

    def rows(self) -> list[dict[str, Any]]:
        """The finished iterations' summaries, in order."""
        out = []
        for path in sorted(self.root.glob("iter-*/summary/summary.json")):
            out.append(json.loads(path.read_text(encoding="utf-8")))
        return out

    def _write_log(self) -> None:
        tmp = self.root / (LOOP_LOG + ".tmp")
        tmp.write_text("".join(json.dumps(r, allow_nan=False) + "\n" for r in self.rows()), encoding="utf-8")
        tmp.replace(self.root / LOOP_LOG)
