"""Type inference, cleaning of messy exports, label parsing and scoring-input checks."""

import numpy as np
import pandas as pd
import pytest

from models.churn.features import FeatureSchema, clean_features, frame_from_records, infer_schema, parse_label
from models.errors import InvalidInput


def messy(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    charges = [f"{v:,.2f}" for v in rng.uniform(10, 2000, n)]
    charges[3] = " "  # Telco's TotalCharges: numbers as text with blanks
    return pd.DataFrame(
        {
            "cust": [f"id-{i}" for i in range(n)],
            "row_no": range(n),
            "total_charges": charges,
            "tenure": rng.integers(0, 72, n),
            "senior": rng.choice([0, 1], n),
            "partner": rng.choice(["Yes", "No"], n),
            "paperless": rng.choice(["TRUE", "false"], n),
            "contract": rng.choice(["Month-to-month", "One year", "Two year"], n),
            "country": ["US"] * n,
            "empty": [None] * n,
            "email": [f"user{i}@example.com" for i in range(n)],
            "left": rng.choice(["yes", "no"], n),
        }
    )


def test_types_are_inferred_and_every_dropped_column_is_reported():
    schema = infer_schema(messy(), exclude=["cust", "left"], max_categories=10)
    assert schema.numeric == ("total_charges", "tenure")
    assert set(schema.boolean) == {"senior", "partner", "paperless"}
    assert schema.categorical == ("contract",)
    assert schema.dropped["country"] == "constant" and schema.dropped["empty"] == "empty"
    assert schema.dropped["row_no"].startswith("ID-like") and schema.dropped["email"].startswith("ID-like")
    assert "--keep-text email" in schema.dropped["email"]
    assert "1 blank" in schema.notes["total_charges"]


def test_high_cardinality_text_is_kept_when_asked():
    frame = messy()
    frame["city"] = [f"city-{i % 30}" for i in range(len(frame))]
    assert "high-cardinality" in infer_schema(frame, exclude=["cust", "left"], max_categories=10).dropped["city"]
    kept = infer_schema(frame, exclude=["cust", "left"], keep_text=["city"], max_categories=10)
    assert "city" in kept.categorical


def test_cleaning_turns_text_numbers_blanks_and_booleans_into_model_values():
    frame = messy()
    schema = infer_schema(frame, exclude=["cust", "left"], max_categories=10)
    x = clean_features(frame, schema)
    assert list(x.columns) == list(schema.features)
    assert np.isnan(x.loc[3, "total_charges"]) and x["total_charges"].dtype == np.float64
    assert float(x.loc[0, "total_charges"]) == float(frame.loc[0, "total_charges"].replace(",", ""))
    assert set(x["partner"].unique()) <= {0.0, 1.0} and set(x["paperless"].unique()) <= {0.0, 1.0}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["yes", "No", "YES"], [1, 0, 1]),
        (["true", "False"], [1, 0]),
        ([1, 0, 1], [1, 0, 1]),
        (["1", "0"], [1, 0]),
        ([True, False], [1, 0]),
    ],
)
def test_labels_accept_yes_no_true_false_and_one_zero(values, expected):
    assert parse_label(pd.Series(values), "Churn").tolist() == expected


def test_bad_or_single_class_labels_name_the_column_and_values():
    with pytest.raises(InvalidInput, match=r"'Churn'.*'maybe'"):
        parse_label(pd.Series(["yes", "maybe", "no"]), "Churn")
    with pytest.raises(InvalidInput, match="one class"):
        parse_label(pd.Series(["no", "no"]), "Churn")


def test_a_table_without_features_is_refused():
    frame = pd.DataFrame({"id": ["a", "b"], "label": ["yes", "no"], "const": [1, 1]})
    with pytest.raises(InvalidInput, match="no usable feature"):
        infer_schema(frame, exclude=["id", "label"])


SCHEMA = FeatureSchema(numeric=("tenure",), boolean=("partner",), categorical=("contract",))


def test_scoring_input_reports_unknown_and_missing_fields():
    ids, x, warnings = frame_from_records(
        [
            {"customer_id": 7, "tenure": "12", "partner": "yes", "contract": "One year", "shoe_size": 44},
            {"customer_id": "B", "partner": False},
        ],
        SCHEMA,
    )
    assert ids == ["7", "B"]
    assert x["tenure"].tolist()[0] == 12.0 and np.isnan(x["tenure"].tolist()[1])
    assert x["partner"].tolist() == [1.0, 0.0]
    assert any("shoe_size" in w and "ignored" in w for w in warnings)
    assert any("'tenure' missing for 1 customer(s) (B)" in w for w in warnings)
    assert any("'contract' missing" in w for w in warnings)


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"tenure": "twelve"}, "tenure"),
        ({"tenure": True}, "tenure"),
        ({"tenure": [1, 2]}, "tenure"),
        ({"partner": "perhaps"}, "partner"),
        ({"contract": {"kind": "monthly"}}, "contract"),
    ],
)
def test_wrong_types_name_the_customer_and_field(record, field):
    records = [{"customer_id": "ok", "tenure": 1}, {"customer_id": "C-9", **record}]
    with pytest.raises(InvalidInput, match=rf"customer 'C-9': field '{field}'"):
        frame_from_records(records, SCHEMA)


def test_a_customer_without_id_is_named_by_position():
    with pytest.raises(InvalidInput, match=r"customers\[1\]: 'customer_id'"):
        frame_from_records([{"customer_id": "a"}, {"tenure": 3}], SCHEMA)
