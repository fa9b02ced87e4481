"""The fault-injecting proxy: each fault is what a client sees on the wire; the schedule is seeded."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from inftool_jax.serve.fault_proxy import FaultPlan, FaultProxy, ProxyThread
from inftool_jax.serve.loopback import AppThread
from inftool_jax.serve.scripted_chat import scripted_chat_app

BODY = {"model": "m", "messages": [{"role": "user", "content": "hello proxy"}]}


@pytest.fixture(scope="module")
def upstream():
    app = scripted_chat_app()
    with AppThread(app) as url:
        yield url, app


def _post(url: str, timeout: float = 5.0) -> httpx.Response:
    return httpx.post(url + "/v1/chat/completions", json=BODY, timeout=timeout)


def test_same_seed_same_fault_schedule_and_rates_close_to_the_plan():
    plan = FaultPlan(error_rate=0.2, hang_rate=0.1, truncate_rate=0.1, malformed_rate=0.1, seed=3)
    a = [plan.fault(n) for n in range(4000)]
    assert a == [FaultPlan(error_rate=0.2, hang_rate=0.1, truncate_rate=0.1, malformed_rate=0.1, seed=3).fault(n) for n in range(4000)]
    assert a != [FaultPlan(error_rate=0.2, hang_rate=0.1, truncate_rate=0.1, malformed_rate=0.1, seed=4).fault(n) for n in range(4000)]
    for name, rate in (("error", 0.2), ("hang", 0.1), ("truncate", 0.1), ("malformed", 0.1), ("ok", 0.5)):
        assert abs(a.count(name) / len(a) - rate) < 0.03, name


def test_clean_proxy_forwards_the_upstream_response_unchanged(upstream):
    url, _ = upstream
    direct = _post(url).json()
    with ProxyThread(url) as proxy:
        proxied = _post(proxy.url)
    assert proxied.status_code == 200
    assert proxied.json()["choices"][0]["message"] == direct["choices"][0]["message"] == {"role": "assistant", "content": "hello proxy"}
    assert proxy.log == ["ok"]


def test_error_fault_is_a_500_and_never_reaches_the_upstream(upstream):
    url, app = upstream
    before = app.state.requests
    with ProxyThread(url, FaultPlan(error_rate=1.0)) as proxy:
        responses = [_post(proxy.url) for _ in range(3)]
    assert [r.status_code for r in responses] == [500, 500, 500]
    assert app.state.requests == before
    assert proxy.log == ["error"] * 3


def test_malformed_fault_is_a_200_whose_body_is_not_json(upstream):
    url, _ = upstream
    with ProxyThread(url, FaultPlan(malformed_rate=1.0)) as proxy:
        response = _post(proxy.url)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_truncate_fault_cuts_the_body_short_of_its_content_length(upstream):
    url, _ = upstream
    with ProxyThread(url, FaultPlan(truncate_rate=1.0)) as proxy:
        with pytest.raises(httpx.RemoteProtocolError):
            _post(proxy.url)


def test_hang_fault_times_the_client_out_and_releases_the_connection(upstream):
    url, _ = upstream
    with ProxyThread(url, FaultPlan(hang_rate=1.0, hang_s=20)) as proxy:
        start = time.perf_counter()
        with pytest.raises(httpx.ReadTimeout):
            _post(proxy.url, timeout=0.3)
        assert time.perf_counter() - start < 5
        deadline = time.monotonic() + 5
        while proxy.stats.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proxy.stats.in_flight == 0  # the hung handler saw the client close


def test_added_latency_delays_every_request(upstream):
    url, _ = upstream
    with ProxyThread(url, FaultPlan(latency_s=0.2)) as proxy:
        _post(proxy.url)  # warm the connection pool
        start = time.perf_counter()
        _post(proxy.url)
        assert time.perf_counter() - start >= 0.2


def test_proxy_binds_and_forwards_to_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("http://example.com:80")
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("http://127.0.0.1:9", host="0.0.0.0")
    with pytest.raises(ValueError, match="sum to at most 1"):
        FaultPlan(error_rate=0.7, hang_rate=0.5)
