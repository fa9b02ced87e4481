from inftool_jax.tools.names import MAX_NAME, is_identifier, operation_name, sanitize_name, snake_identifier, with_suffix


def test_disallowed_characters_become_single_underscores():
    assert sanitize_name("weather.get forecast!") == "weather_get_forecast"
    assert sanitize_name("ok-name_1") == "ok-name_1"
    assert sanitize_name("!!!") == ""


def test_method_and_path_make_a_name_without_operation_id():
    assert operation_name("GET", "/users/{user_id}/orders") == "get_users_user_id_orders"
    assert operation_name("delete", "/") == "delete"


def test_long_names_are_cut_to_64_and_stay_distinct():
    a, b = sanitize_name("x" * 80 + "a"), sanitize_name("x" * 80 + "b")
    assert len(a) == len(b) == MAX_NAME
    assert a != b


def test_suffixes_keep_names_within_64_characters():
    assert with_suffix("n" * 64, "__2").endswith("__2")
    assert len(with_suffix("n" * 64, "__2")) == MAX_NAME


def test_header_names_become_identifiers():
    assert snake_identifier("X-Request-Id") == "x_request_id"
    assert snake_identifier("2fa-code") == "p_2fa_code"
    assert is_identifier("x_request_id") and not is_identifier("X-Request-Id")
