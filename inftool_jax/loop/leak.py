"""Leak check: no held-out episode may reach a training set, by id or by near-duplicate user text."""

from __future__ import annotations

from typing import Any, Iterable

from inftool_jax.synth.near_duplicate import MinHashLSH


def user_text(episode: dict[str, Any]) -> str:
    """What the user said in an episode, lower-cased, one string."""
    return " ".join(str(m.get("content") or "") for m in episode.get("messages") or [] if m.get("role") == "user").lower()


class LeakIndex:
    """The held-out set's ids and user-text signatures; :meth:`leaks` finds training episodes that match."""

    def __init__(self, heldout: Iterable[dict[str, Any]], threshold: float = 0.9):
        self.lsh = MinHashLSH(threshold=threshold)
        self.ids: set[str] = set()
        for episode in heldout:
            self.ids.add(str(episode["id"]))
            self.lsh.add(str(episode["id"]), self.lsh.signature(user_text(episode)))

    def leak(self, episode: dict[str, Any]) -> dict[str, Any] | None:
        """``{"episode", "heldout", "why"}`` when ``episode`` is a held-out one or near-duplicates one, else None."""
        eid = str(episode["id"])
        if eid in self.ids:
            return {"episode": eid, "heldout": eid, "why": "same id"}
        hit = self.lsh.query(self.lsh.signature(user_text(episode)))
        if hit is not None:
            return {"episode": eid, "heldout": hit[0], "why": f"user text near-duplicate (Jaccard ~{hit[1]:.2f})"}
        return None

    def leaks(self, episodes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The :meth:`leak` record of every training episode that leaks."""
        return [hit for hit in map(self.leak, episodes) if hit is not None]
