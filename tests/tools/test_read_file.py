import pytest

from inftool_jax.errors import InputError
from inftool_jax.tools.read_file import read_document


def test_json_and_yaml_files_parse_to_the_same_data(write_spec):
    data = {"tools": [{"name": "a", "parameters": {"type": "object"}}]}
    assert read_document(write_spec("s.json", data)) == data
    assert read_document(write_spec("s.yaml", data)) == data
    assert read_document(write_spec("s.yml", data)) == data


def test_format_is_chosen_by_content_when_the_suffix_is_unknown(write_spec):
    assert read_document(write_spec("spec.txt", '{"a": 1}')) == {"a": 1}
    assert read_document(write_spec("spec.txt", "a: 1\n")) == {"a": 1}


def test_json_lines_are_read_as_a_list(write_spec):
    path = write_spec("docs.json", '{"name": "a"}\n\n{"name": "b"}\n')
    assert read_document(path) == [{"name": "a"}, {"name": "b"}]


def test_yaml_dates_stay_strings_and_numeric_keys_become_strings(write_spec):
    doc = read_document(write_spec("s.yaml", "example: 2024-05-01\nresponses:\n  200: {description: ok}\n"))
    assert doc == {"example": "2024-05-01", "responses": {"200": {"description": "ok"}}}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("empty.json", "", "empty file"),
        ("blank.yaml", "  \n\n", "empty file"),
        ("comments.yaml", "# nothing here\n", "empty document"),
        ("bad.json", '{\n  "a": 1,\n  "b": \n}', "invalid JSON at line 4, column 1"),
        ("bad.yaml", "a: [1, 2\nb: 3\n", "invalid YAML at line 2"),
        ("lines.json", '{"a": 1}\n{"b": oops}\n', "invalid JSON Lines at line 2"),
        ("scalar.json", '"just text"', "expected an object or a list"),
    ],
)
def test_malformed_files_raise_input_error_naming_file_and_line(write_spec, name, text, expected):
    path = write_spec(name, text)
    with pytest.raises(InputError) as err:
        read_document(path)
    assert err.value.source == str(path)
    assert expected in err.value.problem


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read_document(tmp_path / "nope.json")
