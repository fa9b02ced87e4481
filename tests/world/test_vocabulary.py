"""One vocabulary: the simulator's generated values come from the pools the user simulator draws from."""

from __future__ import annotations

from random import Random

from inftool_jax.world import vocabulary as V
from inftool_jax.world.value_gen import ValueGenerator


def test_generated_values_come_from_the_shared_pools():
    gen = ValueGenerator()
    pools = {
        "city": V.CITIES, "country": V.COUNTRIES, "currency": V.CURRENCIES, "language": V.LANGUAGE_CODES,
        "color": V.COLORS, "first_name": V.FIRST_NAMES, "last_name": V.LAST_NAMES, "company": V.COMPANIES,
        "airline": V.AIRLINES, "title": V.PHRASES,
    }
    for name, pool in pools.items():
        for seed in range(40):
            assert gen.generate({"type": "string"}, Random(seed), name) in pool, name
    full = gen.generate({"type": "string"}, Random(3), "customer_name").split(" ")
    assert full[0] in V.FIRST_NAMES and full[1] in V.LAST_NAMES


def test_a_generated_city_grounds_through_the_synonym_table():
    # "New York City" in a result is the canonical form the user may say as "NYC".
    assert all(V.SYNONYMS.get(city.lower()) for city in V.CITIES if " " not in city and "," not in city)
    assert "nyc" in V.SYNONYMS["new york city"]
    assert all(name.isascii() for name in V.FIRST_NAMES + V.LAST_NAMES)
