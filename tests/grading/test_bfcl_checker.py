"""The BFCL checker's semantics, pinned on small hand-made entries."""

from inftool_jax.calls.call import Call
from inftool_jax.grading.bfcl_checker import check_calls, check_prepared, check_result, prepare, standardize_string

DOC = {
    "name": "trip.plan",
    "parameters": {
        "type": "dict",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer"},
            "budget": {"type": "float"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "opts": {"type": "dict", "properties": {"pace": {"type": "string"}}},
            "legs": {"type": "array", "items": {"type": "dict"}},
            "coords": {"type": "tuple", "items": {"type": "float"}},
        },
        "required": ["city"],
    },
}
GT = [{"trip.plan": {
    "city": ["New York", "NYC"], "days": [3, ""], "budget": [100.0, ""], "tags": [["art", "food"], ""],
    "opts": [{"pace": ["slow"]}, ""], "legs": [[{"to": ["Boston"]}, {"to": ["DC"]}], ""], "coords": [[1.5, 2.0], ""],
}}]


def simple(**args):
    return check_calls([Call("trip.plan", args)], GT, [DOC], "simple_python")


def test_exact_ground_truth_is_valid_and_omitted_optionals_are_allowed():
    assert simple(city="NYC").valid


def test_strings_compare_after_bfcl_standardisation():
    assert simple(city="new-york").valid
    assert standardize_string("New York, N.Y.") == "newyorkny"
    assert simple(city="Boston").error_type == "value_error:string"


def test_int_is_accepted_for_float_but_not_string_for_int():
    assert simple(city="NYC", budget=100).valid
    assert simple(city="NYC", days="3").error_type == "type_error:simple"


def test_missing_required_unexpected_and_wrong_name_use_bfcl_error_types():
    assert check_calls([Call("trip.plan", {"days": 3})], GT, [DOC], "simple_python").error_type == "simple_function_checker:missing_required"
    assert simple(city="NYC", hotel="x").error_type == "simple_function_checker:unexpected_param"
    assert check_calls([Call("trip_plan", {"city": "NYC"})], GT, [DOC], "simple_python").error_type == "simple_function_checker:wrong_func_name"


def test_missing_parameter_without_empty_option_is_missing_optional():
    gt = [{"trip.plan": {"city": ["NYC"], "days": [3]}}]
    v = check_calls([Call("trip.plan", {"city": "NYC"})], gt, [DOC], "simple_python")
    assert v.error_type == "simple_function_checker:missing_optional"


def test_list_values_and_nested_item_types():
    assert simple(city="NYC", tags=["Art", "food"]).valid
    assert simple(city="NYC", tags=["food", "art"]).error_type == "value_error:list/tuple"
    # BFCL quirk: a non-list option ("") passes the nested check, so the value check reports instead
    assert simple(city="NYC", tags=["art", 3]).error_type == "value_error:list/tuple"
    gt = [{"trip.plan": {"city": ["NYC"], "tags": [["art", "food"]]}}]
    v = check_calls([Call("trip.plan", {"city": "NYC", "tags": ["art", 3]})], gt, [DOC], "simple_python")
    assert v.error_type == "type_error:nested"


def test_tuple_values_count_as_lists_for_tuple_params_only():
    assert simple(city="NYC", coords=(1.5, 2.0)).valid
    assert simple(city="NYC", tags=("art", "food")).error_type == "type_error:simple"


def test_dict_values_use_bfcl_dict_checker():
    assert simple(city="NYC", opts={"pace": "Slow"}).valid
    assert simple(city="NYC", opts={"pace": "fast"}).error_type == "value_error:dict_value"
    assert simple(city="NYC", opts={"speed": "slow"}).error_type == "value_error:dict_key"


def test_lists_of_dicts_are_checked_in_order_and_by_count():
    assert simple(city="NYC", legs=[{"to": "boston"}, {"to": "DC"}]).valid
    # the last option ("") has length 0, so BFCL reports the count for any non-empty wrong list
    assert simple(city="NYC", legs=[{"to": "DC"}, {"to": "boston"}]).error_type == "value_error:list_dict_count"
    assert simple(city="NYC", legs=[]).valid
    gt = [{"trip.plan": {"city": ["NYC"], "legs": [[{"to": ["Boston"]}, {"to": ["DC"]}]]}}]
    v = check_calls([Call("trip.plan", {"city": "NYC", "legs": [{"to": "DC"}, {"to": "boston"}]})], gt, [DOC], "simple_python")
    assert v.error_type == "value_error:dict_value"


def test_simple_needs_exactly_one_call_and_multiple_checks_the_count():
    call = Call("trip.plan", {"city": "NYC"})
    assert check_calls([call, call], GT, [DOC], "simple_python").error_type == "simple_function_checker:wrong_count"
    assert check_calls([call, call], GT, [DOC], "live_multiple").error_type == "multiple_function_checker:wrong_count"
    assert check_calls([call], GT, [{"name": "other", "parameters": {}}, DOC], "multiple").valid


def test_relevance_categories_only_ask_whether_a_call_decoded():
    entry = prepare(None, [DOC], "live_irrelevance")
    assert check_result(entry, "I can't do that").valid
    assert check_result(entry, "[]").valid
    assert check_result(entry, "[trip.plan()]").error_type == "irrelevance_error:decoder_success"
    rel = prepare(None, [DOC], "live_relevance")
    assert check_result(rel, "[trip.plan(city='x')]").valid
    assert check_result(rel, "no call").error_type == "relevance_error:decoder_failed"


def test_json_schema_object_and_number_docs_are_accepted():
    doc = {"name": "f", "parameters": {"type": "object", "properties": {
        "x": {"type": "number"}, "o": {"type": "object"}, "n": {"type": ["string", "null"]}}, "required": ["x"]}}
    gt = [{"f": {"x": [2.5], "o": [{"k": [1]}, ""], "n": ["a", ""]}}]
    assert check_calls([Call("f", {"x": 2.5, "o": {"k": 1}, "n": "A"})], gt, [doc], "simple").valid
    assert not check_calls([Call("f", {"x": "2.5"})], gt, [doc], "simple").valid


# Greedy's defect: ground-truth call 0 allows b to be omitted or 2, call 1 needs b=2.
PAR_DOC = {"name": "f", "parameters": {"type": "dict", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a"]}}
PAR_GT = [{"f": {"a": [1], "b": ["", 2]}}, {"f": {"a": [1], "b": [2]}}]
PAR_ANSWER = [Call("f", {"a": 1, "b": 2}), Call("f", {"a": 1})]


def test_greedy_matching_reproduces_bfcl_rejecting_a_correct_parallel_answer():
    v = check_calls(PAR_ANSWER, PAR_GT, [PAR_DOC], "parallel")
    assert not v.valid and v.error_type == "parallel_function_checker_no_order:cannot_find_match"


def test_optimal_matching_accepts_what_greedy_rejects():
    assert check_calls(PAR_ANSWER, PAR_GT, [PAR_DOC], "parallel", matching="optimal").valid
    assert check_calls(list(reversed(PAR_ANSWER)), PAR_GT, [PAR_DOC], "parallel").valid
    wrong = [Call("f", {"a": 1}), Call("f", {"a": 1})]
    assert not check_calls(wrong, PAR_GT, [PAR_DOC], "parallel", matching="optimal").valid


def test_prepared_entry_gives_the_same_verdicts_when_reused():
    entry = prepare(GT, [DOC], "simple_python")
    answers = [[Call("trip.plan", {"city": c})] for c in ("NYC", "Boston", "new york", "LA")]
    first = [check_prepared(entry, a).valid for a in answers]
    assert first == [check_prepared(entry, a).valid for a in answers] == [True, False, True, False]


def test_ground_truth_naming_an_unknown_function_is_invalid_not_a_crash():
    v = check_calls([Call("g", {})], [{"g": {}}], [DOC], "parallel")
    assert not v.valid


def test_arithmetic_in_an_answer_is_a_decode_failure_never_evaluated():
    entry = prepare(GT, [DOC], "simple_python")
    assert check_result(entry, "[trip.plan(city='NYC', days=3)]").valid
    verdict = check_result(entry, "[trip.plan(city='NYC', days=1+2)]")
    assert not verdict.valid and verdict.error_type == "ast_decoder:decoder_failed"
