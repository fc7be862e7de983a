"""Settings resolution: defaults < synth.yaml < CLI flags, and validation."""

from __future__ import annotations

import pytest

from synth_ops.errors import ConfigError
from synth_ops.settings import load_yaml_settings, resolve_settings

YAML = """
target: Churn
primary_key: customerID
candidates:
  gaussian_copula: {}
  ctgan: {batch_size: 100}
epochs: 50
thresholds:
  max_dcr_share: 0.7
weights: {usability: 0.0}
"""


def test_yaml_overrides_defaults():
    settings = resolve_settings(load_yaml_settings(YAML, "synth.yaml"), None)

    assert settings.table.target == "Churn"
    assert settings.table.primary_key == "customerID"
    assert settings.candidates.names == ["gaussian_copula", "ctgan"]
    assert settings.candidates.params["ctgan"] == {"batch_size": 100}
    assert settings.candidates.epochs == 50
    assert settings.selection.max_dcr_share == 0.7
    assert settings.selection.weights == {"fidelity": 0.4, "usability": 0.0, "privacy": 0.2}
    assert settings.table.holdout_fraction == 0.2


def test_cli_overrides_yaml():
    settings = resolve_settings(load_yaml_settings(YAML, "synth.yaml"), {"epochs": 5, "names": "tvae,ctgan", "target": "gender"})

    assert settings.candidates.epochs == 5
    assert settings.candidates.names == ["tvae", "ctgan"]
    assert settings.table.target == "gender"
    assert settings.candidates.params["ctgan"] == {"batch_size": 100}


def test_unknown_key_suggests_close_match():
    with pytest.raises(ConfigError, match="unknown setting 'traget' in synth.yaml \\(did you mean 'target'\\?\\)"):
        resolve_settings({"traget": "x"}, None)


def test_unknown_candidate_rejected():
    with pytest.raises(ConfigError, match="unknown candidate 'gan'"):
        resolve_settings(None, {"names": "gaussian_copula,gan"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"holdout_fraction": 0.9}, "holdout_fraction=0.9 is invalid"),
        ({"epochs": 0}, "epochs=0 is invalid"),
        ({"time_budget": -1}, "time_budget=-1.0 is invalid"),
        ({"device": "tpu"}, "device='tpu' is invalid"),
        ({"max_dcr_share": 0.2}, "max_dcr_share=0.2 is invalid"),
        ({"weights": {"speed": 1}}, "unknown weight 'speed'"),
        ({"epochs": "many"}, "setting 'epochs' in command-line flags has invalid value 'many'"),
        ({"target": 5}, "setting 'target' in command-line flags has invalid value 5: expected a column"),
        ({"missing_values": 7}, "setting 'missing_values' .* expected a list of names"),
        ({"weights": 3}, "setting 'weights' .* expected a mapping"),
        ({"weights": {"fidelity": float("nan")}}, "expected a finite number"),
        ({"holdout_fraction": True}, "setting 'holdout_fraction' .* expected float"),
        ({"seed": 1.5}, "setting 'seed' .* expected int"),
        ({"datetime_formats": "x"}, "setting 'datetime_formats' .* expected a mapping"),
        ({"parallel": -2}, "parallel=-2 is invalid"),
    ],
)
def test_invalid_values_rejected(overrides, message):
    with pytest.raises(ConfigError, match=message):
        resolve_settings(None, overrides)


def test_yaml_must_be_mapping():
    with pytest.raises(ConfigError, match="must contain a mapping"):
        load_yaml_settings("- a\n- b\n", "synth.yaml")


def test_round_trip_through_dict():
    settings = resolve_settings(load_yaml_settings(YAML, "synth.yaml"), None)

    from synth_ops.settings import RunSettings

    assert RunSettings.from_dict(settings.to_dict()) == settings
