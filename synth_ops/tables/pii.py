"""Replace PII columns with fake values of the same kind, drawn with Faker."""

from __future__ import annotations

import pandas as pd

from synth_ops.errors import ConfigError

#: Providers suggested in error messages; any Faker provider method works.
COMMON_PROVIDERS = ("name", "first_name", "last_name", "email", "phone_number", "address", "city", "ssn", "iban", "ipv4", "company")


def check_provider(column: str, provider: str) -> None:
    """Raise ``ConfigError`` unless ``provider`` is a Faker method that makes values."""
    from faker import Faker

    method = getattr(Faker(), provider, None) if not provider.startswith("_") else None
    if not callable(method):
        raise ConfigError(
            f"pii column {column!r}: unknown Faker provider {provider!r}; use one such as "
            f"{', '.join(COMMON_PROVIDERS)}"
        )


def generate_pii(provider: str, count: int, seed: int) -> pd.Series:
    """Return ``count`` fake values from ``provider``, the same for the same seed."""
    from faker import Faker

    faker = Faker()
    faker.seed_instance(seed)
    method = getattr(faker, provider)
    return pd.Series([method() for _ in range(count)], dtype=object)
