"""Listed items made to answer the search: dates pinned or moved into range, number bounds, schema veto."""

from __future__ import annotations

from inftool_jax.world.search_filters import respect_filters


def _any(path, value):
    return True


def test_an_exact_date_pins_the_field_of_the_same_stem_and_keeps_its_time_of_day():
    item = {"departure_time": "2024-07-01T09:15:00Z", "arrival_time": "2024-07-01T13:45:00Z", "stops": 2}
    respect_filters(item, {"departure_date": "2026-03-04", "return_date": "2026-03-09"}, _any)
    assert item["departure_time"] == "2026-03-04T09:15:00Z"
    assert item["arrival_time"] == "2026-03-04T13:45:00Z"  # moved along: the flight still lasts 4.5 h


def test_a_range_moves_the_first_field_inside_and_an_upper_day_is_inclusive_but_before_is_not():
    for day in range(1, 29):
        item = {"start": f"2024-02-{day:02d}T10:00:00Z", "end": f"2024-02-{day:02d}T11:30:00Z"}
        respect_filters(item, {"start_date": "2026-12-02", "end_date": "2026-12-08"}, _any)
        assert "2026-12-02" <= item["start"][:10] <= "2026-12-08" and item["start"].endswith("T10:00:00Z")
        assert item["end"][:10] == item["start"][:10] and item["end"].endswith("T11:30:00Z")
        mail = {"subject": "hi", "received_at": f"2024-02-{day:02d}T10:00:00Z"}
        respect_filters(mail, {"after": "2026-02-01", "before": "2026-02-03"}, _any)
        assert mail["received_at"][:10] in ("2026-02-01", "2026-02-02")


def test_values_already_inside_the_range_are_kept():
    item = {"date": "2025-11-12", "amount": 75.5}
    respect_filters(item, {"start_date": "2025-11-01", "end_date": "2025-11-30", "min_amount": 50}, _any)
    assert item == {"date": "2025-11-12", "amount": 75.5}


def test_number_bounds_hold_for_plain_and_money_fields_and_spread_over_the_range():
    prices = set()
    for seed in range(20):
        item = {"stops": 2 + seed % 3, "price": {"amount": 300.0 + seed * 17.3, "currency": "EUR"}, "rating": 9.0}
        respect_filters(item, {"max_stops": 1, "min_price": 10, "max_price": 120}, _any)
        assert 0 <= item["stops"] <= 1 and 10 <= item["price"]["amount"] <= 120
        assert item["rating"] == 9.0  # no filter names it
        prices.add(item["price"]["amount"])
    assert len(prices) > 5


def test_the_schema_can_veto_a_change_and_frozen_fields_stay():
    item = {"date": "2024-01-05", "amount": 10}
    respect_filters(item, {"start_date": "2026-01-01", "end_date": "2026-01-31", "min_amount": 50}, lambda path, value: path != ("date",))
    assert item["date"] == "2024-01-05" and item["amount"] >= 50
    frozen = {"date": "2024-01-05", "amount": 10}
    respect_filters(frozen, {"start_date": "2026-01-01", "min_amount": 50}, _any, frozen={"date", "amount"})
    assert frozen == {"date": "2024-01-05", "amount": 10}


def test_an_empty_range_changes_nothing():
    item = {"date": "2024-01-05"}
    respect_filters(item, {"start_date": "2026-02-01", "end_date": "2026-01-01"}, _any)
    assert item == {"date": "2024-01-05"}
