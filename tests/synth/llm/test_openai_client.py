"""The resilient chat client against a real loopback upstream, directly and through the fault proxy."""

from __future__ import annotations

import asyncio

import pytest

from inftool_jax.serve.fault_proxy import FaultPlan, ProxyThread
from inftool_jax.serve.loopback import AppThread
from inftool_jax.serve.scripted_chat import scripted_chat_app
from inftool_jax.synth.llm.openai_client import BlockingChatClient, ChatClient, ChatRequestFailed

MESSAGES = [{"role": "user", "content": "hi"}]


def _reply(body):
    text = body["messages"][-1]["content"]
    if text == "bad-args":  # a model whose tool call does not parse: passed through untouched
        return {"role": "assistant", "content": None, "tool_calls": [{"id": "c0", "type": "function", "function": {"name": "f", "arguments": "{not json"}}]}
    return {"role": "assistant", "content": f"echo {text}"}


@pytest.fixture(scope="module")
def upstream():
    with AppThread(scripted_chat_app(_reply)) as url:
        yield url


def _client(url: str, **kw) -> BlockingChatClient:
    opts = dict(timeout_s=0.5, max_tries=3, backoff_base_s=0.01, backoff_max_s=0.02, seed=1)
    opts.update(kw)
    return BlockingChatClient(url + "/v1", "m", **opts)


def test_clean_endpoint_returns_the_first_choice_and_counts_one_attempt(upstream):
    client = _client(upstream)
    try:
        result = client.chat(MESSAGES)
    finally:
        client.close()
    assert result.message == {"role": "assistant", "content": "echo hi"}
    assert result.finish_reason == "stop" and result.tries == 1
    s = client.stats.summary()
    assert (s["calls"], s["attempts"], s["retries"], s["successes"], s["failures"]) == (1, 1, 0, 1, 0)


def test_unreadable_tool_call_arguments_are_returned_as_they_came(upstream):
    client = _client(upstream)
    try:
        result = client.chat([{"role": "user", "content": "bad-args"}])
    finally:
        client.close()
    assert result.message["tool_calls"][0]["function"]["arguments"] == "{not json"
    assert client.stats.retries == 0


@pytest.mark.parametrize("fault", ["error", "hang", "truncate", "malformed"])
def test_every_fault_kind_is_retried_until_the_budget_then_fails_with_its_reason(upstream, fault):
    plan = FaultPlan(**{f"{fault}_rate": 1.0}, hang_s=10)
    with ProxyThread(upstream, plan) as proxy:
        client = _client(proxy.url, max_tries=3, timeout_s=0.3)
        try:
            with pytest.raises(ChatRequestFailed) as info:
                client.chat(MESSAGES)
        finally:
            client.close()
    assert info.value.tries == 3
    expected = {"error": "status_500", "hang": "timeout", "truncate": "connection", "malformed": "malformed_body"}[fault]
    assert info.value.reason.startswith(expected)
    assert len(proxy.log) == client.stats.attempts == 3
    assert (client.stats.failures, client.stats.retries) == (1, 2)
    assert client.stats.errors == {expected: 3}


def test_faults_within_the_retry_budget_are_invisible_to_the_caller(upstream):
    plan = FaultPlan(error_rate=0.2, truncate_rate=0.1, malformed_rate=0.1, seed=5)
    with ProxyThread(upstream, plan) as proxy:
        client = _client(proxy.url, max_tries=4)
        outcomes = []
        try:
            for i in range(60):
                try:
                    outcomes.append(client.chat([{"role": "user", "content": str(i)}]).message["content"])
                except ChatRequestFailed:
                    outcomes.append(None)
        finally:
            client.close()
    # replay the proxy's log as the client must have seen it: a call fails after 4 faults in a row
    expected_failures, run = 0, 0
    for fault in proxy.log:
        run = run + 1 if fault != "ok" else 0
        if run == 4:
            expected_failures, run = expected_failures + 1, 0
    assert client.stats.failures == expected_failures == outcomes.count(None)
    assert client.stats.attempts == len(proxy.log)
    assert client.stats.retries == len(proxy.log) - 60
    assert [o for o in outcomes if o is not None] == [f"echo {i}" for i, o in enumerate(outcomes) if o is not None]


def test_client_errors_other_than_408_and_429_are_not_retried(upstream):
    client = BlockingChatClient(upstream + "/nope", "m", max_tries=5, backoff_base_s=0.01)
    try:
        with pytest.raises(ChatRequestFailed) as info:
            client.chat(MESSAGES)
    finally:
        client.close()
    assert info.value.tries == 1 and info.value.reason.startswith("status_404")
    assert client.stats.attempts == 1


def test_refused_connection_is_retried_then_fails():
    client = BlockingChatClient("http://127.0.0.1:9/v1", "m", max_tries=2, backoff_base_s=0.01, timeout_s=1)
    try:
        with pytest.raises(ChatRequestFailed, match="connection"):
            client.chat(MESSAGES)
    finally:
        client.close()
    assert client.stats.attempts == 2


def test_concurrency_limit_is_reached_and_never_exceeded(upstream):
    async def run() -> tuple[ChatClient, int]:
        client = ChatClient(upstream_proxy + "/v1", "m", max_concurrency=4, timeout_s=5)
        await asyncio.gather(*(client.chat(MESSAGES) for _ in range(24)))
        await client.aclose()
        return client

    with ProxyThread(upstream, FaultPlan(latency_s=0.05)) as proxy:
        upstream_proxy = proxy.url
        client = asyncio.run(run())
    assert client.stats.in_flight_peak == 4
    assert proxy.stats.in_flight_peak == 4
    assert client.stats.successes == 24


def test_backoff_is_full_jitter_under_a_doubling_cap():
    client = ChatClient("http://127.0.0.1:9", backoff_base_s=0.5, backoff_max_s=3.0, seed=0)
    for attempt, cap in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)):
        waits = [client.backoff(attempt) for _ in range(200)]
        assert all(0.0 <= w <= cap for w in waits)
        assert max(waits) > 0.8 * cap  # spread over the whole range, not a fixed wait
