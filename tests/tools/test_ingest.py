import pytest

from inftool_jax.errors import InputError
from inftool_jax.tools.ingest import file_domain, load_spec_file


def test_file_domain_is_the_name_up_to_the_first_dot():
    assert file_domain("configs/specs/travel.openapi.yaml") == "travel"
    assert file_domain("x/weather.json") == "weather"


@pytest.mark.parametrize("depth", [3000, 100_000])
def test_absurdly_deep_nesting_is_an_input_error_not_a_crash(write_spec, depth):
    # Built as text: json.dumps itself cannot write something this deep.
    text = '[{"name": "deep", "parameters": ' + '{"properties": {"a": ' * depth + "{}" + "}}" * depth + "}]"
    path = write_spec("deep.json", text)
    with pytest.raises(InputError, match="nesting too deep") as err:
        load_spec_file(path)
    assert err.value.source == str(path)
