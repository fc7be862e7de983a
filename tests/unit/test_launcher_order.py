"""Launch order of the local launcher: longest expected candidates first."""

from synth_ops.launcher import launch_order


def test_deep_candidates_start_first():
    names = ["gaussian_copula", "ctgan", "tvae", "copula_gan"]

    assert launch_order(names) == ["ctgan", "copula_gan", "tvae", "gaussian_copula"]


def test_order_keeps_every_name_once():
    names = ["tvae", "my_model", "gaussian_copula", "ctgan"]

    ordered = launch_order(names)

    assert sorted(ordered) == sorted(names)
    assert ordered.index("my_model") < ordered.index("tvae")
    assert ordered[-1] == "gaussian_copula"


def test_single_candidate_unchanged():
    assert launch_order(["tvae"]) == ["tvae"]
