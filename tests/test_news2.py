"""NEWS2 against every threshold of the RCP 2017 chart (Royal College of Physicians, NEWS2, 2017)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlhc_course.datasets import news2_risk_band, news2_score, news2_subscores

NORMAL = {"resp_rate": 16, "spo2": 97, "on_oxygen": 0, "sbp": 120, "heart_rate": 70, "consciousness": "A",
          "temperature": 37.0}  # fmt: skip

# (value, points) on each side of every boundary of the chart
CHART = {
    "resp_rate": [(5, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (40, 3)],
    "spo2": [(85, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)],
    "sbp": [(70, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (250, 3)],
    "heart_rate": [(30, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2),
                   (131, 3), (180, 3)],
    "temperature": [(34.0, 3), (35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1),
                    (39.1, 2), (41.0, 2)],
}  # fmt: skip


def _frame(**overrides):
    return pd.DataFrame([{**NORMAL, **overrides}])


@pytest.mark.parametrize(
    ("parameter", "value", "points"), [(p, v, pts) for p, rows in CHART.items() for v, pts in rows]
)
def test_chart_thresholds(parameter, value, points):
    sub = news2_subscores(_frame(**{parameter: value}))
    assert sub.loc[0, parameter] == points
    assert news2_score(_frame(**{parameter: value})).iloc[0] == points  # everything else scores 0


@pytest.mark.parametrize(
    ("spo2", "on_oxygen", "points"),
    [
        (80, 0, 3), (83, 0, 3), (84, 0, 2), (85, 0, 2), (86, 0, 1), (87, 0, 1), (88, 0, 0), (92, 0, 0),
        (93, 0, 0), (97, 0, 0), (100, 0, 0),
        (83, 1, 3), (84, 1, 2), (86, 1, 1), (88, 1, 0), (92, 1, 0), (93, 1, 1), (94, 1, 1), (95, 1, 2),
        (96, 1, 2), (97, 1, 3), (100, 1, 3),
    ],
)  # fmt: skip
def test_spo2_scale_2(spo2, on_oxygen, points):
    sub = news2_subscores(_frame(spo2=spo2, on_oxygen=on_oxygen, spo2_scale=2))
    assert sub.loc[0, "spo2"] == points


def test_scale_1_on_oxygen_scores_saturation_and_air_separately():
    sub = news2_subscores(_frame(spo2=97, on_oxygen=1))
    assert sub.loc[0, "spo2"] == 0 and sub.loc[0, "on_oxygen"] == 2


@pytest.mark.parametrize(("level", "points"), [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)])
def test_consciousness(level, points):
    assert news2_subscores(_frame(consciousness=level)).loc[0, "consciousness"] == points


def test_charting_resolution():
    """Values are compared as charted: 35.04 degC is 35.0 (3 points), 35.06 is 35.1 (1 point)."""
    sub = news2_subscores(pd.DataFrame([{**NORMAL, "temperature": 35.04}, {**NORMAL, "temperature": 35.06}]))
    assert sub["temperature"].tolist() == [3, 1]


@pytest.mark.parametrize(
    ("overrides", "score", "band"),
    [
        ({}, 0, "low"),
        ({"resp_rate": 22, "heart_rate": 95}, 3, "low"),
        ({"resp_rate": 25}, 3, "low-medium"),  # a single red score
        ({"consciousness": "V"}, 3, "low-medium"),
        ({"resp_rate": 25, "heart_rate": 95}, 4, "low-medium"),
        ({"resp_rate": 22, "heart_rate": 115, "temperature": 38.5}, 5, "medium"),
        ({"resp_rate": 25, "heart_rate": 115}, 5, "medium"),  # aggregate 5 outranks the red score
        ({"resp_rate": 22, "heart_rate": 115, "on_oxygen": 1}, 6, "medium"),
        ({"resp_rate": 25, "heart_rate": 115, "temperature": 38.5, "spo2": 95}, 7, "high"),
        ({"resp_rate": 30, "spo2": 88, "on_oxygen": 1, "sbp": 85, "heart_rate": 140, "consciousness": "U",
          "temperature": 34.5}, 20, "high"),
    ],
)  # fmt: skip
def test_aggregate_and_risk_bands(overrides, score, band):
    frame = _frame(**overrides)
    assert news2_score(frame).iloc[0] == score
    assert news2_risk_band(frame).iloc[0] == band


def test_vectorised_over_a_frame_keeps_index_and_marks_missing():
    frame = pd.DataFrame(
        [NORMAL, {**NORMAL, "resp_rate": 26}, {**NORMAL, "temperature": np.nan}], index=[10, 11, 12]
    )
    score = news2_score(frame)
    assert score.index.tolist() == [10, 11, 12]
    assert score.iloc[:2].tolist() == [0, 3]
    assert np.isnan(score.iloc[2])
    assert pd.isna(news2_risk_band(frame).iloc[2])
    assert list(news2_risk_band(frame).cat.categories) == ["low", "low-medium", "medium", "high"]


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="temperature"):
        news2_score(pd.DataFrame([{k: v for k, v in NORMAL.items() if k != "temperature"}]))
    with pytest.raises(ValueError, match="ACVPU"):
        news2_score(_frame(consciousness="confused"))
    with pytest.raises(ValueError, match="spo2_scale"):
        news2_score(_frame(spo2_scale=3))
    with pytest.raises(ValueError, match="on_oxygen"):
        news2_score(_frame(on_oxygen=2))
