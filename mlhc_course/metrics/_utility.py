"""Clinical usefulness: net benefit and decision curves (Vickers & Elkin 2006)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_binary_labels as _check_binary_labels
from .._validation import check_consistent_length as _check_same_length
from .._validation import check_scores as _check_scores
from .._validation import check_threshold_probabilities as _check_thresholds_open_unit
from ._common import ArrayLike


def net_benefit(
    y_true: ArrayLike, y_score: ArrayLike, thresholds: ArrayLike, *, pos_label: Any = None
) -> np.ndarray:
    """Net benefit of treating patients whose predicted risk is at or above each threshold.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Observed outcome.
    y_score : array-like of shape (n_patients,)
        Predicted probability, in [0, 1].
    thresholds : float or array-like of float
        Threshold probabilities pt, strictly between 0 and 1.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    net_benefit : ndarray of shape (n_thresholds,)
        NB(pt) = TP/n - FP/n · pt/(1-pt), in units of "true positives per patient".

    See Also
    --------
    decision_curve : Net benefit of the model, treat-all and treat-none in one table.

    Notes
    -----
    A patient is treated when ``y_score >= pt``. The threshold expresses how a clinician weighs harms:
    at pt = 0.2 a false positive costs a quarter (0.2/0.8) of what a true positive gains. Treating
    everyone gives NB = prev - (1-prev)·pt/(1-pt); treating nobody gives 0 (Vickers & Elkin 2006).

    References
    ----------
    .. [1] Vickers AJ, Elkin EB. Decision curve analysis: a novel method for evaluating prediction
       models. Med Decis Making 2006;26:565-574.

    Examples
    --------
    >>> net_benefit([1, 1, 0, 0], [0.8, 0.3, 0.6, 0.1], [0.5]).round(4).tolist()
    [0.0]
    """
    pt = _check_thresholds_open_unit(thresholds)
    y = _check_binary_labels(y_true, pos_label=pos_label)
    p = _check_scores(y_score, "y_score", probability=True)
    _check_same_length(y_true=y, y_score=p)
    n = len(y)
    treated = p[None, :] >= pt[:, None]
    tp = (treated & (y[None, :] == 1)).sum(axis=1)
    fp = (treated & (y[None, :] == 0)).sum(axis=1)
    return tp / n - fp / n * pt / (1 - pt)


def decision_curve(
    y_true: ArrayLike,
    y_score: ArrayLike | Mapping[str, ArrayLike],
    thresholds: ArrayLike | None = None,
    *,
    name: str = "model",
    pos_label: Any = None,
) -> pd.DataFrame:
    """Decision curve: net benefit of a model, of treating everyone and of treating no one.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Observed outcome.
    y_score : array-like of shape (n_patients,), or mapping of name to array-like
        Predicted probabilities in [0, 1]; a dict compares several models on the same patients.
    thresholds : array-like of float, default=None
        Threshold probabilities strictly between 0 and 1. Default: 0.01, 0.02, ..., 0.99.
    name : str, default="model"
        Strategy name of the model when ``y_score`` is a single array.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.

    Returns
    -------
    curve : pandas.DataFrame
        Tidy table with one row per (strategy, threshold): columns ``threshold``, ``strategy``
        (the model name(s), ``"treat all"``, ``"treat none"``), ``net_benefit`` and
        ``interventions_avoided_per_100``, the net reduction in interventions per 100 patients
        compared with treating all, 100·(NB_model - NB_all)/(pt/(1-pt)) (NaN for the reference
        strategies themselves).

    See Also
    --------
    net_benefit
    mlhc_course.plots.plot_decision_curve

    References
    ----------
    .. [1] Vickers AJ, Elkin EB. Decision curve analysis: a novel method for evaluating prediction
       models. Med Decis Making 2006;26:565-574.
    .. [2] Vickers AJ, Van Calster B, Steyerberg EW. Net benefit approaches to the evaluation of
       prediction models, molecular markers, and diagnostic tests. BMJ 2016;352:i6.

    Examples
    --------
    >>> curve = decision_curve([1, 0, 0, 0], [0.9, 0.4, 0.2, 0.1], [0.25, 0.5])
    >>> curve.query("threshold == 0.25").set_index("strategy")["net_benefit"].round(4).to_dict()
    {'model': 0.1667, 'treat all': 0.0, 'treat none': 0.0}
    """
    pt = _check_thresholds_open_unit(
        np.round(np.arange(1, 100) / 100, 2) if thresholds is None else thresholds
    )
    y = _check_binary_labels(y_true, pos_label=pos_label)
    models = dict(y_score) if isinstance(y_score, Mapping) else {name: y_score}
    if not models:
        raise ValueError("y_score is an empty mapping; give at least one model's probabilities.")
    reserved = {"treat all", "treat none"} & set(models)
    if reserved:
        raise ValueError(f"Model names {sorted(reserved)} are reserved for the reference strategies.")
    prev = float(y.mean())
    odds = pt / (1 - pt)
    treat_all = prev - (1 - prev) * odds
    frames = []
    for model_name, probs in models.items():
        nb = net_benefit(y, probs, pt)
        frames.append(
            pd.DataFrame(
                {
                    "threshold": pt,
                    "strategy": model_name,
                    "net_benefit": nb,
                    "interventions_avoided_per_100": 100 * (nb - treat_all) / odds,
                }
            )
        )
    nan = np.full_like(pt, np.nan)
    frames.append(
        pd.DataFrame(
            {
                "threshold": pt,
                "strategy": "treat all",
                "net_benefit": treat_all,
                "interventions_avoided_per_100": nan,
            }
        )
    )
    frames.append(
        pd.DataFrame(
            {
                "threshold": pt,
                "strategy": "treat none",
                "net_benefit": np.zeros_like(pt),
                "interventions_avoided_per_100": nan,
            }
        )
    )
    curve = pd.concat(frames, ignore_index=True)
    curve.attrs["prevalence"] = prev
    return curve
