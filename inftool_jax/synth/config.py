"""The `synth:` section of an experiment config: what to synthesize and how to check it."""

from __future__ import annotations

from pydantic import field_validator, model_validator

from inftool_jax.config_base import Section
from inftool_jax.synth.llm.llm_backend_config import OpenAIBackendConfig, PolicyBackendConfig

CATEGORIES = (
    "single",
    "parallel",
    "multiple",
    "parallel_multiple",
    "no_call",
    "clarification",
    "multi_step",
    "multi_turn",
)


class CategoryMix(Section):
    """Relative weight of each episode category (normalised; 0 turns a category off)."""

    single: float = 2.0
    """One call to the one offered tool."""
    parallel: float = 1.0
    """One tool called several times with different values in one assistant turn."""
    multiple: float = 2.0
    """One call; the right tool must be picked among several offered ones."""
    parallel_multiple: float = 1.0
    """Several different tools, each called once or more, in one assistant turn."""
    no_call: float = 1.0
    """No offered tool can serve the request: the assistant answers in prose."""
    clarification: float = 1.0
    """A required value is missing: the assistant asks, the user answers, then the call."""
    multi_step: float = 1.0
    """A later call needs an id from an earlier call's result, within one user turn."""
    multi_turn: float = 1.0
    """Several user turns over the same simulated state."""

    @model_validator(mode="after")
    def _some_weight(self) -> "CategoryMix":
        weights = self.model_dump()
        if any(w < 0 for w in weights.values()):
            raise ValueError("category weights must be >= 0")
        if sum(weights.values()) <= 0:
            raise ValueError("at least one category needs a positive weight")
        return self


class Difficulty(Section):
    """Knobs that make episodes harder for the policy."""

    tools_offered_min: int = 2
    """Fewest tools offered in `multiple` / `parallel_multiple` episodes (target tools included)."""
    tools_offered_max: int = 6
    """Most tools offered in `multiple` / `parallel_multiple` episodes (unless a long list is drawn)."""
    long_list_prob: float = 0.1
    """Chance that an episode offers a long tool list instead (see `long_list_size`)."""
    long_list_size: int = 24
    """Number of tools in a long tool list (capped by the catalog size)."""
    similar_distractor_prob: float = 0.6
    """Chance that each distractor is one of the tools most similar to a target (name and description words)."""
    single_distractors: int = 0
    """Extra distractor tools offered in `single`, `parallel`, `clarification` and `multi_*` episodes."""
    complex_tool_weight: float = 2.0
    """Sampling weight of tools with nested, array or enum parameters relative to flat ones (1 = uniform)."""
    optional_param_prob: float = 0.5
    """Chance that the user states a value for each optional parameter."""
    varied_format_prob: float = 0.4
    """Chance that a date or number is written by the user in another format than the call uses (March 5, 2026; three)."""
    parallel_min: int = 2
    """Fewest calls in a `parallel` episode."""
    parallel_max: int = 4
    """Most calls in a `parallel` episode."""
    multi_turn_max_turns: int = 3
    """Most user turns in a `multi_turn` episode (at least 2)."""

    @model_validator(mode="after")
    def _ranges(self) -> "Difficulty":
        if not 1 <= self.tools_offered_min <= self.tools_offered_max:
            raise ValueError("need 1 <= tools_offered_min <= tools_offered_max")
        if not 2 <= self.parallel_min <= self.parallel_max:
            raise ValueError("need 2 <= parallel_min <= parallel_max")
        if self.multi_turn_max_turns < 2:
            raise ValueError("multi_turn_max_turns must be >= 2")
        for name in ("long_list_prob", "similar_distractor_prob", "optional_param_prob", "varied_format_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1]")
        return self


class Backends(Section):
    """Which backend plays each role, by name in that role's registry (synth/backends.py lists where each lives)."""

    user: str = "programmatic"
    """User Simulator: `programmatic` (templates, deterministic per seed), `openai` (a chat endpoint) or `policy`
    (the in-process model)."""
    assistant: str = "reverse"
    """Tool-Calling Assistant: `reverse` (the ground-truth plan itself), `openai` or `policy`."""
    tools: str = "programmatic"
    """MCP Server agent, which executes the calls: `programmatic` (the in-process stateful world simulator) or
    `openai` (an LLM tool responder after the schema check)."""
    judge: str = "none"
    """Optional LLM judge gate: `none` (off) or `openai`."""


class Verification(Section):
    """Gates an episode must pass to be kept; each failure is recorded with its reason."""

    execution: bool = True
    """Every call ran without a tool error (ids in chains were found, the simulator accepted the call)."""
    schema_valid: bool = True
    """Every call names an offered tool and its arguments validate against that tool's JSON Schema."""
    grounded: bool = True
    """Every argument value appears in, or is derivable from, the user's words or an earlier tool result."""
    plausible: bool = True
    """Every argument value looks like what its parameter's name, description and format say (identifiers without
    spaces, whole ids and counts, parseable date-times, coordinates and percentages in range, amounts not below zero)."""
    plan_match: bool = True
    """The assistant's turns match the ground truth (the BFCL checker's semantics)."""
    near_duplicate: bool = True
    """Reject episodes whose user text + calls are near-duplicates of a kept one (MinHash/LSH)."""
    near_duplicate_threshold: float = 0.9
    """Shingle Jaccard similarity at or above which an episode counts as a near-duplicate."""
    minhash_permutations: int = 64
    """MinHash signature length (must be divisible by `lsh_bands`)."""
    lsh_bands: int = 16
    """LSH bands; more bands find candidates at lower similarity."""

    @model_validator(mode="after")
    def _bands(self) -> "Verification":
        if self.lsh_bands < 1 or self.minhash_permutations % self.lsh_bands:
            raise ValueError("minhash_permutations must be a positive multiple of lsh_bands")
        if not 0.0 < self.near_duplicate_threshold <= 1.0:
            raise ValueError("near_duplicate_threshold must be within (0, 1]")
        return self


class SynthConfig(Section):
    """Synthesis of verified tool-use episodes from the catalog (`inftool synth`)."""

    num_episodes: int = 2000
    """Kept episodes to produce (`inftool synth --num` overrides it)."""
    seed: int = -1
    """Run seed for blueprints and ids; -1 uses the experiment's master seed."""
    iteration: int = 0
    """Loop iteration recorded in each episode's meta."""
    categories: CategoryMix = CategoryMix()
    """Category mix asked for."""
    difficulty: Difficulty = Difficulty()
    """Difficulty knobs."""
    backends: Backends = Backends()
    """Backend per agent role."""
    verification: Verification = Verification()
    """Verification gates."""
    openai: OpenAIBackendConfig = OpenAIBackendConfig()
    """The `openai` backend: any OpenAI-compatible chat endpoint (SGLang, sglang-jax, vLLM, `inftool serve openai`)."""
    policy: PolicyBackendConfig = PolicyBackendConfig()
    """The `policy` backend: the in-process JAX model and sampler."""
    shard_size: int = 10000
    """Episodes per JSONL shard (episodes-00000.jsonl, ...); rejected episodes shard the same way."""
    fsync_every: int = 64
    """fsync the shard after this many lines and at the end (1: every line, durable across power loss line by line;
    0: never). A kill -9 loses nothing either way: each line is one write() and a torn tail is cut on resume."""
    system_prompt: str = "You are a helpful assistant that can call tools."
    """System message put first in every episode (empty: none)."""
    max_attempts_factor: int = 5
    """Give up when this many times `num_episodes` blueprints were tried without reaching the count."""

    @field_validator("fsync_every")
    @classmethod
    def _non_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be >= 0")
        return value

    @field_validator("num_episodes", "shard_size", "max_attempts_factor")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be >= 1")
        return value
