"""Plots for judging a clinical prediction model: discrimination, calibration, usefulness, fairness.

Every ``plot_*`` function takes ``ax=None`` (a new figure is made when it is None), returns the
matplotlib :class:`~matplotlib.axes.Axes`, and sets a title and axis labels with units. They wrap
scikit-learn's Display objects where those exist (:class:`~sklearn.metrics.RocCurveDisplay`,
:class:`~sklearn.metrics.PrecisionRecallDisplay`, :class:`~sklearn.calibration.CalibrationDisplay`).
The decision curve, which scikit-learn lacks, is a :class:`DecisionCurveDisplay` built in the same
pattern: ``from_predictions`` (or ``from_estimator``) computes the numbers (with
:mod:`mlhc_course.metrics`), ``plot`` draws them and stores ``line_``, ``ax_`` and ``figure_``.
:func:`plot_decision_curve` takes one model or a dict of models. :func:`plot_site_comparison`
draws :func:`mlhc_course.audit.compare_sites` as a forest plot.

pyplot is imported inside the functions, so importing this module does not pick a backend.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_binary_labels, check_consistent_length, check_scores
from .metrics import (
    UndefinedMetricWarning,
    calibration_summary,
    decision_curve,
    roc_auc_ci,
    smoothed_calibration_curve,
    threshold_table,
)

__all__ = [
    "plot_roc",
    "plot_precision_recall",
    "plot_calibration",
    "DecisionCurveDisplay",
    "plot_decision_curve",
    "plot_threshold_tradeoff",
    "plot_subgroup_performance",
    "plot_site_comparison",
]

ArrayLike = Any


def _get_ax(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _binary_inputs(y_true: ArrayLike, y_score: ArrayLike, pos_label: Any, *, probability: bool = False):
    y = check_binary_labels(y_true, pos_label=pos_label)
    score = check_scores(y_score, "y_score", probability=probability)
    check_consistent_length(y_true=y, y_score=score)
    return y, score


def plot_roc(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    name: str | None = None,
    pos_label: Any = None,
    ax: Any = None,
    plot_chance_level: bool = True,
) -> Any:
    """ROC curve with the AUROC and its DeLong 95% confidence interval in the legend.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Reference-standard outcome (0/1, or two labels with ``pos_label``).
    y_score : array-like of shape (n_patients,)
        Continuous score, higher = more likely positive.
    name : str, default=None
        Name of the model in the legend (default ``"model"``).
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.
    plot_chance_level : bool, default=True
        Draw the diagonal of a useless test (AUROC 0.5).

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    sklearn.metrics.RocCurveDisplay : The Display this function wraps.
    mlhc_course.metrics.roc_auc_ci : The AUROC and its interval.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_roc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> ax.get_xlabel()
    'False positive rate, 1 − specificity (proportion)'
    """
    from sklearn.metrics import RocCurveDisplay

    y, score = _binary_inputs(y_true, y_score, pos_label)
    auc = roc_auc_ci(y, score)
    name = name or "model"
    ax = _get_ax(ax)
    display = RocCurveDisplay.from_predictions(
        y, score, pos_label=1, name=name, ax=ax, plot_chance_level=plot_chance_level
    )
    display.line_.set_label(
        f"{name} (AUROC {auc.estimate:.2f}, 95% CI {auc.ci_lower:.2f}–{auc.ci_upper:.2f})"
    )
    if plot_chance_level:
        display.chance_level_.set_label("chance (AUROC 0.50)")
    ax.set_xlabel("False positive rate, 1 − specificity (proportion)")
    ax.set_ylabel("True positive rate, sensitivity (proportion)")
    ax.set_title("ROC curve")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_precision_recall(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    name: str | None = None,
    pos_label: Any = None,
    ax: Any = None,
    plot_chance_level: bool = True,
) -> Any:
    """Precision-recall curve: PPV against sensitivity, with the prevalence as the chance level.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Reference-standard outcome.
    y_score : array-like of shape (n_patients,)
        Continuous score, higher = more likely positive.
    name : str, default=None
        Name of the model in the legend (default ``"model"``).
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.
    plot_chance_level : bool, default=True
        Draw the horizontal line PPV = prevalence of a test that flags patients at random.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    sklearn.metrics.PrecisionRecallDisplay : The Display this function wraps.

    Notes
    -----
    With a rare outcome the precision-recall curve shows the alarm burden that a ROC curve hides:
    a high sensitivity may come with a PPV of a few percent.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_precision_recall([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> ax.get_title()
    'Precision-recall curve'
    """
    from sklearn.metrics import PrecisionRecallDisplay

    y, score = _binary_inputs(y_true, y_score, pos_label)
    name = name or "model"
    ax = _get_ax(ax)
    display = PrecisionRecallDisplay.from_predictions(
        y, score, pos_label=1, name=name, ax=ax, plot_chance_level=plot_chance_level
    )
    if plot_chance_level:
        display.chance_level_.set_label(f"chance (PPV = prevalence = {y.mean():.2f})")
    ax.set_xlabel("Sensitivity, recall (proportion)")
    ax.set_ylabel("Positive predictive value, precision (proportion)")
    ax.set_title("Precision-recall curve")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_calibration(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    n_bins: int = 10,
    strategy: str = "uniform",
    name: str | None = None,
    pos_label: Any = None,
    ax: Any = None,
    hist: bool = True,
    smooth: bool = True,
    zoom: bool = True,
) -> Any:
    """Calibration plot (observed event rate against mean predicted risk) with a histogram of risks.

    The binned curve (with scikit-learn's :class:`~sklearn.calibration.CalibrationDisplay`) is
    overlaid with a smoothed (loess) calibration curve, which Van Calster et al. (2016, 2019)
    recommend because it uses every patient without choosing bin edges.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Observed outcome.
    y_score : array-like of shape (n_patients,)
        Predicted probability, in [0, 1].
    n_bins : int, default=10
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins, or bins with equal numbers of patients.
    name : str, default=None
        Name of the model in the legend (default ``"model"``).
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.
    hist : bool, default=True
        Add a histogram of the predicted risks along the bottom, on a twin y-axis (right) that
        counts patients. It shows where the predictions are, and so where the curve can be trusted.
    smooth : bool, default=True
        Add the smoothed calibration curve (:func:`mlhc_course.metrics.smoothed_calibration_curve`),
        labelled ``"<name> (loess)"``.
    zoom : bool, default=True
        Fit both axes to the data: from 0 to a little above the largest predicted risk or observed
        rate (both axes alike, so the diagonal stays at 45 degrees). Risks of a rare outcome then
        fill the plot instead of its bottom-left corner. False shows the whole [0, 1] square.

    Returns
    -------
    ax : matplotlib Axes
        The calibration axes. The histogram axes, if any, is ``ax.figure.axes[-1]``.

    See Also
    --------
    sklearn.calibration.CalibrationDisplay : The Display this function builds on.
    mlhc_course.metrics.calibration_summary : The numbers in the text box.
    mlhc_course.metrics.smoothed_calibration_curve : The smoothed curve.

    Notes
    -----
    The text box reports the calibration hierarchy of Van Calster et al. (BMC Med 2019;17:230):
    the observed/expected ratio and calibration-in-the-large, then the calibration slope.

    References
    ----------
    .. [1] Van Calster B, Nieboer D, Vergouwe Y, et al. A calibration hierarchy for risk models was
       defined: from utopia to empirical data. J Clin Epidemiol 2016;74:167-176.
    .. [2] Van Calster B, McLernon DJ, van Smeden M, et al. Calibration: the Achilles heel of
       predictive analytics. BMC Med 2019;17:230.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0, 1, 200)
    >>> ax = plot_calibration(rng.binomial(1, p), p)
    >>> ax.get_ylabel()
    'Observed event rate (proportion)'
    """
    from sklearn.calibration import CalibrationDisplay

    y, p = _binary_inputs(y_true, y_score, pos_label, probability=True)
    summary = calibration_summary(y, p, n_bins=n_bins, strategy=strategy)
    name = name or "model"
    ax = _get_ax(ax)
    display = CalibrationDisplay.from_predictions(y, p, n_bins=n_bins, strategy=strategy, name=name, ax=ax)
    display.line_.set_label(name)
    top = 1.0
    if smooth:
        curve = smoothed_calibration_curve(y, p)
        ax.plot(
            curve["predicted"], curve["observed"], color=display.line_.get_color(), label=f"{name} (loess)"
        )
    if zoom:
        highest = max(float(p.max()), float(summary.table["observed_rate"].max()))
        if smooth:
            highest = max(highest, float(curve["observed"].max()))
        top = min(1.0, np.ceil(highest * 1.1 / 0.05) * 0.05)
    ax.set_xlim(-0.02 * top, 1.02 * top)
    ax.set_ylim(-0.02 * top, 1.02 * top)
    ax.set_xlabel("Mean predicted risk (probability)")
    ax.set_ylabel("Observed event rate (proportion)")
    ax.set_title("Calibration")
    ax.text(
        0.03,
        0.97,
        f"O/E {summary.observed_expected:.2f}\n"
        f"calibration-in-the-large {summary.citl:+.2f}\n"
        f"calibration slope {summary.slope:.2f}\n"
        f"Brier {summary.brier:.3f}",
        transform=ax.transAxes,
        va="top",
        ha="left",
        fontsize="small",
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8},
    )
    ax.legend(loc="lower right")
    if hist:
        hax = ax.twinx()
        counts, edges, _ = hax.hist(p, bins=np.linspace(0, top, 41), color="grey", alpha=0.35)
        hax.set_ylim(0, max(counts.max(), 1) * 5)  # the bars fill the bottom fifth of the plot
        hax.set_ylabel(f"Patients per {top / 40:.3g} of predicted risk (count)")
        ax.set_zorder(hax.get_zorder() + 1)
        ax.patch.set_visible(False)
    return ax


class DecisionCurveDisplay:
    """Decision curve visualisation: net benefit against threshold probability.

    It follows scikit-learn's Display pattern. Build it with :meth:`from_predictions` (which
    computes the curve with :func:`mlhc_course.metrics.decision_curve`), with
    :meth:`from_estimator` (a fitted classifier's ``predict_proba``), or pass precomputed values to
    the constructor, then call :meth:`plot`.

    Parameters
    ----------
    thresholds : ndarray of shape (n_thresholds,)
        Threshold probabilities, strictly between 0 and 1.
    net_benefit : ndarray of shape (n_thresholds,)
        Net benefit of the model at each threshold.
    treat_all : ndarray of shape (n_thresholds,)
        Net benefit of treating every patient.
    name : str, default=None
        Name of the model.
    prevalence : float, default=None
        Outcome prevalence (the net benefit of treat-all as the threshold tends to 0).

    Attributes
    ----------
    line_ : matplotlib Line2D
        The model's curve.
    treat_all_line_, treat_none_line_ : matplotlib Line2D or None
        The reference strategies (None if not drawn).
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    See Also
    --------
    plot_decision_curve : The function form.
    mlhc_course.metrics.net_benefit

    References
    ----------
    .. [1] Vickers AJ, Elkin EB. Decision curve analysis: a novel method for evaluating prediction
       models. Med Decis Making 2006;26:565-574.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> display = DecisionCurveDisplay.from_predictions([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> display.ax_.get_ylabel()
    'Net benefit (true positives per patient)'
    """

    def __init__(
        self,
        *,
        thresholds: np.ndarray,
        net_benefit: np.ndarray,
        treat_all: np.ndarray,
        name: str | None = None,
        prevalence: float | None = None,
    ) -> None:
        self.thresholds = np.asarray(thresholds, dtype=float)
        self.net_benefit = np.asarray(net_benefit, dtype=float)
        self.treat_all = np.asarray(treat_all, dtype=float)
        self.name = name
        self.prevalence = prevalence

    @classmethod
    def from_predictions(
        cls,
        y_true: ArrayLike,
        y_score: ArrayLike,
        *,
        thresholds: ArrayLike | None = None,
        name: str | None = None,
        pos_label: Any = None,
        ax: Any = None,
        plot_reference: bool = True,
        **kwargs: Any,
    ) -> DecisionCurveDisplay:
        """Compute the decision curve from outcomes and predicted risks, and plot it.

        Parameters
        ----------
        y_true : array-like of shape (n_patients,)
            Observed outcome.
        y_score : array-like of shape (n_patients,)
            Predicted probability, in [0, 1].
        thresholds : array-like of float, default=None
            Threshold probabilities strictly between 0 and 1 (default 0.01 to 0.99).
        name : str, default=None
            Name of the model (default ``"model"``).
        pos_label : object, default=None
            The positive class, needed when the labels are not 0/1.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        plot_reference : bool, default=True
            Also draw the treat-all and treat-none strategies.
        **kwargs
            Passed to :meth:`matplotlib.axes.Axes.plot` for the model's line.

        Returns
        -------
        display : DecisionCurveDisplay
        """
        if isinstance(y_score, Mapping):
            raise ValueError(
                "y_score must be one model's probabilities; to compare models, pass the dict "
                "{name: probabilities} to plot_decision_curve."
            )
        name = name or "model"
        curve = decision_curve(y_true, y_score, thresholds, name=name, pos_label=pos_label)
        model = curve[curve["strategy"] == name]
        treat_all = curve[curve["strategy"] == "treat all"]
        display = cls(
            thresholds=model["threshold"].to_numpy(),
            net_benefit=model["net_benefit"].to_numpy(),
            treat_all=treat_all["net_benefit"].to_numpy(),
            name=name,
            prevalence=curve.attrs["prevalence"],
        )
        return display.plot(ax=ax, plot_reference=plot_reference, **kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: ArrayLike,
        y: ArrayLike,
        *,
        name: str | None = None,
        pos_label: Any = None,
        **kwargs: Any,
    ) -> DecisionCurveDisplay:
        """Compute the decision curve of a fitted classifier on ``X``, ``y``, and plot it.

        The predicted risk is ``estimator.predict_proba(X)`` for the positive class, as in
        :meth:`sklearn.metrics.RocCurveDisplay.from_estimator`.

        Parameters
        ----------
        estimator : fitted classifier or pipeline
            Must have ``predict_proba`` and ``classes_`` (any fitted scikit-learn classifier).
        X : array-like or DataFrame of shape (n_patients, n_features)
            The features of the evaluation patients.
        y : array-like of shape (n_patients,)
            Their observed outcome.
        name : str, default=None
            Name of the model (default: the estimator's class name).
        pos_label : object, default=None
            The positive class (default: the larger of ``estimator.classes_``, e.g. 1).
        **kwargs
            Passed to :meth:`from_predictions`: ``thresholds``, ``ax``, ``plot_reference``, and
            keywords of :meth:`matplotlib.axes.Axes.plot` for the model's line.

        Returns
        -------
        display : DecisionCurveDisplay

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.linear_model import LogisticRegression
        >>> X, y = [[0], [1], [2], [3], [4], [5]], [0, 0, 1, 0, 1, 1]
        >>> model = LogisticRegression().fit(X, y)
        >>> display = DecisionCurveDisplay.from_estimator(model, X, y, thresholds=[0.2, 0.5])
        >>> display.line_.get_label()
        'LogisticRegression'
        """
        if not hasattr(estimator, "predict_proba") or not hasattr(estimator, "classes_"):
            raise ValueError(
                f"estimator must be a fitted classifier with predict_proba and classes_; got "
                f"{type(estimator).__name__}. Fit it first, or pass its probabilities to from_predictions."
            )
        classes = list(estimator.classes_)
        positive = classes[-1] if pos_label is None else pos_label
        if positive not in classes:
            raise ValueError(f"pos_label={pos_label!r} is not one of the estimator's classes {classes}.")
        y_score = np.asarray(estimator.predict_proba(X))[:, classes.index(positive)]
        return cls.from_predictions(
            y, y_score, name=name or type(estimator).__name__, pos_label=positive, **kwargs
        )

    def plot(
        self, ax: Any = None, *, name: str | None = None, plot_reference: bool = True, **kwargs: Any
    ) -> DecisionCurveDisplay:
        """Draw the decision curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.
        name : str, default=None
            Overrides the name given at construction.
        plot_reference : bool, default=True
            Also draw treat-all and treat-none. Set False when adding a second model to the same Axes.
        **kwargs
            Passed to :meth:`matplotlib.axes.Axes.plot` for the model's line.

        Returns
        -------
        display : DecisionCurveDisplay
            With ``line_``, ``treat_all_line_``, ``treat_none_line_``, ``ax_`` and ``figure_`` set.
        """
        ax = _get_ax(ax)
        name = name or self.name or "model"
        (self.line_,) = ax.plot(self.thresholds, self.net_benefit, label=name, **kwargs)
        self.treat_all_line_ = self.treat_none_line_ = None
        if plot_reference:
            (self.treat_all_line_,) = ax.plot(
                self.thresholds, self.treat_all, color="grey", linestyle="--", label="treat all"
            )
            (self.treat_none_line_,) = ax.plot(
                self.thresholds,
                np.zeros_like(self.thresholds),
                color="black",
                linestyle=":",
                label="treat none",
            )
            # Decision curves conventionally cut the plunging treat-all line just below zero.
            top = max(float(np.max(self.net_benefit)), float(np.max(self.treat_all)), self.prevalence or 0.0)
            top = max(top, 0.01) * 1.1
            ax.set_ylim(-0.1 * top, top)
        elif ax.get_ylim()[1] < float(np.max(self.net_benefit)) * 1.05:
            # a model added to an existing plot may rise above the first one's scale
            top = float(np.max(self.net_benefit)) * 1.1
            ax.set_ylim(-0.1 * top, top)
        ax.set_xlim(float(self.thresholds.min()), float(self.thresholds.max()))
        ax.set_xlabel("Threshold probability, p_t (risk at which you would treat)")
        ax.set_ylabel("Net benefit (true positives per patient)")
        ax.set_title("Decision curve")
        ax.legend(loc="upper right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def plot_decision_curve(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    thresholds: ArrayLike | None = None,
    name: str | None = None,
    pos_label: Any = None,
    ax: Any = None,
    plot_reference: bool = True,
) -> Any:
    """Decision curves of one or several models against treat-all and treat-none (Vickers & Elkin 2006).

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Observed outcome.
    y_score : array-like of shape (n_patients,), or mapping of name to array-like
        Predicted probability, in [0, 1]. A dict ``{"model A": p_a, "model B": p_b}`` draws one
        curve per model (in the dict's order) on the same axes, with the references drawn once.
    thresholds : array-like of float, default=None
        Threshold probabilities strictly between 0 and 1 (default 0.01 to 0.99). Restrict them to
        the range a clinician would actually use.
    name : str, default=None
        Name of the model in the legend (for a single model; a dict's keys name its models).
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.
    plot_reference : bool, default=True
        Draw treat-all and treat-none (set False when adding a second model to the same Axes).

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    DecisionCurveDisplay
    mlhc_course.metrics.decision_curve

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_decision_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], thresholds=[0.1, 0.2, 0.3])
    >>> ax.get_title()
    'Decision curve'
    >>> models = {"A": [0.1, 0.4, 0.35, 0.8], "B": [0.2, 0.3, 0.6, 0.7]}
    >>> ax = plot_decision_curve([0, 0, 1, 1], models, thresholds=[0.1, 0.2, 0.3])
    >>> [line.get_label() for line in ax.get_lines()]
    ['A', 'treat all', 'treat none', 'B']
    """
    if isinstance(y_score, Mapping):
        if not y_score:
            raise ValueError("y_score is an empty mapping; give at least one model's probabilities.")
        if name is not None:
            raise ValueError("name names a single model; with a dict of models, the keys are the names.")
        models = {str(model_name): scores for model_name, scores in y_score.items()}
    else:
        models = {name: y_score}
    for i, (model_name, scores) in enumerate(models.items()):
        display = DecisionCurveDisplay.from_predictions(
            y_true,
            scores,
            thresholds=thresholds,
            name=model_name,
            pos_label=pos_label,
            ax=ax,
            plot_reference=plot_reference and i == 0,
        )
        ax = display.ax_
    return ax


def _default_thresholds(score: np.ndarray) -> np.ndarray:
    values = np.unique(score)
    if len(values) <= 60:  # integer scores such as NEWS2: every observed value
        return values
    return np.unique(np.quantile(score, np.linspace(0.01, 0.99, 50)))


def plot_threshold_tradeoff(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    thresholds: ArrayLike | None = None,
    metrics: Sequence[str] = ("sensitivity", "specificity", "PPV"),
    show_flagged: bool = True,
    score_label: str = "Threshold on the score (score units)",
    unit_label: str = "Patients",
    pos_label: Any = None,
    ax: Any = None,
) -> Any:
    """How sensitivity, specificity, PPV and alarm burden change with the threshold.

    Parameters
    ----------
    y_true : array-like of shape (n_patients,)
        Reference-standard outcome.
    y_score : array-like of shape (n_patients,)
        Continuous score; a patient is flagged when ``score >= threshold``.
    thresholds : array-like of float, default=None
        Thresholds to evaluate. Default: every observed value for scores with at most 60 distinct
        values (such as NEWS2), otherwise 50 quantiles.
    metrics : sequence of str, default=("sensitivity", "specificity", "PPV")
        Columns of :func:`mlhc_course.metrics.threshold_table` to draw, each with its Wilson 95%
        band. Allowed: sensitivity, specificity, PPV, NPV, accuracy, prevalence.
    show_flagged : bool, default=True
        Add patients flagged per 1,000 on a twin y-axis (right), the alarm burden.
    score_label : str, default="Threshold on the score (score units)"
        x-axis label; give the score's name and unit, e.g. ``"NEWS2 threshold (points)"``.
    unit_label : str, default="Patients"
        What one row of the data is, for the flagged axis ("Patients flagged per 1,000"). Use
        ``"Observations"`` when each row is one set of vital signs rather than one patient.
    pos_label : object, default=None
        The positive class, needed when the labels are not 0/1.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.

    Returns
    -------
    ax : matplotlib Axes
        The metrics axes; the alarm-burden axes, if any, is ``ax.figure.axes[-1]``.

    See Also
    --------
    mlhc_course.metrics.threshold_table : The numbers drawn here.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_threshold_tradeoff([0, 0, 1, 1, 0], [1, 3, 5, 7, 2], score_label="NEWS2 (points)")
    >>> [line.get_label() for line in ax.get_lines()]
    ['sensitivity', 'specificity', 'PPV']
    """
    allowed = {"sensitivity", "specificity", "PPV", "NPV", "accuracy", "prevalence"}
    unknown = [m for m in metrics if m not in allowed]
    if unknown or not metrics:
        raise ValueError(f"metrics must be a non-empty subset of {sorted(allowed)}; got {list(metrics)}.")
    y, score = _binary_inputs(y_true, y_score, pos_label)
    cuts = _default_thresholds(score) if thresholds is None else thresholds
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # PPV is undefined where nobody is flagged
        table = threshold_table(y, score, cuts)
    ax = _get_ax(ax)
    column = lambda name: table[name].to_numpy(dtype=float)  # noqa: E731 (float arrays for matplotlib)
    for metric in metrics:
        (line,) = ax.plot(column("threshold"), column(metric), marker=".", label=metric)
        ax.fill_between(
            column("threshold"),
            column(f"{metric}_ci_lower"),
            column(f"{metric}_ci_upper"),
            color=line.get_color(),
            alpha=0.15,
            linewidth=0,
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(score_label)
    ax.set_ylabel("Metric value (proportion, with 95% CI)")
    ax.set_title("Threshold trade-off")
    handles, labels = ax.get_legend_handles_labels()
    if show_flagged:
        fax = ax.twinx()
        (fline,) = fax.plot(
            column("threshold"),
            column("flagged_per_1000"),
            color="black",
            linestyle="--",
            label="flagged per 1,000",
        )
        fax.set_ylim(0, 1020)
        fax.set_ylabel(f"{unit_label} flagged per 1,000 (count)")
        handles.append(fline)
        labels.append(fline.get_label())
    ax.legend(handles, labels, loc="center right", fontsize="small")
    return ax


_REPORT_COLUMNS = ("group", "metric", "value", "ci_lower", "ci_upper", "overall", "small_group")


def plot_subgroup_performance(
    report: pd.DataFrame,
    *,
    metric: str = "sensitivity",
    ax: Any = None,
) -> Any:
    """Forest plot of one metric by subgroup, with confidence intervals and the overall value.

    Parameters
    ----------
    report : pandas.DataFrame
        The tidy table returned by :func:`mlhc_course.audit.subgroup_report` (columns ``group``,
        ``metric``, ``value``, ``ci_lower``, ``ci_upper``, ``overall``, ``small_group``).
    metric : str, default="sensitivity"
        Which metric to draw (one of the values in ``report["metric"]``).
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    mlhc_course.audit.subgroup_report : Computes the table.

    Notes
    -----
    Small groups (flagged in the report) are drawn with hollow markers and "(small n)" in their
    label: their intervals are wide and their point estimates unstable. Groups whose metric is
    undefined (for example sensitivity in a group with no events) are listed with "(undefined)".

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> report = pd.DataFrame({"group": ["overall", "F", "M"], "metric": "sensitivity",
    ...                        "value": [0.8, 0.7, 0.9], "ci_lower": [0.7, 0.5, 0.8],
    ...                        "ci_upper": [0.9, 0.85, 0.95], "overall": 0.8, "small_group": False})
    >>> ax = plot_subgroup_performance(report)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['F', 'M']
    """
    missing = [c for c in _REPORT_COLUMNS if c not in report.columns]
    if missing:
        raise ValueError(
            f"report is missing columns {missing}; pass the table from mlhc_course.audit.subgroup_report."
        )
    available = list(pd.unique(report["metric"]))
    if metric not in available:
        raise ValueError(f"metric={metric!r} is not in the report; choose one of {available}.")
    rows = report[(report["metric"] == metric) & (report["group"].astype(str) != "overall")]
    overall = float(report.loc[report["metric"] == metric, "overall"].iloc[0])
    overall_row = report[(report["metric"] == metric) & (report["group"].astype(str) == "overall")]
    ax = _get_ax(ax)
    positions = np.arange(len(rows))[::-1]
    labels = []
    for pos, (_, row) in zip(positions, rows.iterrows(), strict=True):
        small = bool(row["small_group"])
        label = str(row["group"])
        if np.isnan(row["value"]):
            labels.append(f"{label} (undefined)")
            continue
        labels.append(f"{label} (small n)" if small else label)
        err = [[row["value"] - row["ci_lower"]], [row["ci_upper"] - row["value"]]]
        err = np.nan_to_num(np.asarray(err, dtype=float))
        ax.errorbar(
            row["value"],
            pos,
            xerr=err,
            fmt="o",
            color="C0",
            markerfacecolor="white" if small else "C0",
            capsize=3,
        )
    ax.axvline(overall, color="grey", linestyle="--", label=f"overall {overall:.2f}")
    if len(overall_row) and np.isfinite(overall_row["ci_lower"].iloc[0]):
        ax.axvspan(overall_row["ci_lower"].iloc[0], overall_row["ci_upper"].iloc[0], color="grey", alpha=0.15)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    unit = "(AUROC, with 95% CI)" if metric.upper() == "AUROC" else "(proportion, with 95% CI)"
    name = metric[0].upper() + metric[1:]
    ax.set_xlabel(f"{name} {unit}")
    ax.set_ylabel("Subgroup")
    ax.set_title(f"{name} by subgroup")
    ax.legend(loc="best", fontsize="small")
    return ax


#: For each metric of :func:`mlhc_course.audit.compare_sites`: its axis label (with unit) and the
#: value a perfect model has (None where there is no such value).
_SITE_METRICS = {
    "AUROC": ("AUROC (0.5 = chance, 1 = perfect)", None),
    "O/E": ("Observed/expected events (ratio; 1 = calibrated)", 1.0),
    "calibration-in-the-large": ("Calibration-in-the-large (log-odds; 0 = calibrated)", 0.0),
    "calibration slope": ("Calibration slope (1 = calibrated; < 1 = too extreme)", 1.0),
    "prevalence": ("Prevalence (proportion)", None),
    "mean predicted risk": ("Mean predicted risk (probability)", None),
    "Brier": ("Brier score (mean squared error; lower is better)", None),
    "scaled Brier": ("Scaled Brier score (1 = perfect, 0 = no skill)", None),
    "ECE": ("Expected calibration error (probability)", 0.0),
}
_SITE_COLUMNS = ("site", "metric", "value", "ci_lower", "ci_upper")


def plot_site_comparison(table: pd.DataFrame, *, metric: str = "O/E", ax: Any = None) -> Any:
    """Forest plot of one metric at each site, from :func:`mlhc_course.audit.compare_sites`.

    Parameters
    ----------
    table : pandas.DataFrame
        The tidy table returned by :func:`mlhc_course.audit.compare_sites` (columns ``site``,
        ``metric``, ``value``, ``ci_lower``, ``ci_upper``).
    metric : str, default="O/E"
        Which metric to draw: "AUROC", "O/E", "calibration-in-the-large", "calibration slope",
        "prevalence", "mean predicted risk", "Brier", "scaled Brier" or "ECE". The default, the
        observed/expected ratio, shows the commonest failure of a model moved to a new site: its
        risks are right on average at home and too high or too low elsewhere.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    mlhc_course.audit.compare_sites : Computes the table.
    plot_subgroup_performance : The same kind of plot for subgroups.

    Notes
    -----
    Each site is a point with its confidence interval (none for Brier, scaled Brier and ECE).
    Where the metric has a value that a calibrated or perfect model reaches (1 for O/E and the
    slope, 0 for calibration-in-the-large), a dashed line marks it. The y-axis labels give each
    site's number of patients, because a small site's estimate is the least certain.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from mlhc_course.audit import compare_sites
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.5, 600)
    >>> y = rng.binomial(1, p)
    >>> ax = plot_site_comparison(compare_sites(y, p, np.repeat(["A", "B"], 300)), metric="AUROC")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['A (n=300)', 'B (n=300)']
    """
    if not isinstance(table, pd.DataFrame) or any(c not in table.columns for c in _SITE_COLUMNS):
        raise ValueError(
            f"table must have the columns {list(_SITE_COLUMNS)}; pass the table from mlhc_course.audit.compare_sites."
        )
    if metric not in _SITE_METRICS or metric not in set(table["metric"]):
        available = [m for m in _SITE_METRICS if m in set(table["metric"])]
        raise ValueError(f"metric={metric!r} is not in the table; choose one of {available}.")
    rows = table[table["metric"] == metric].reset_index(drop=True)
    sizes = table[table["metric"] == "n"].set_index("site")["value"]
    ax = _get_ax(ax)
    positions = np.arange(len(rows))[::-1]
    values = rows["value"].to_numpy(dtype=float)
    lower = rows["ci_lower"].to_numpy(dtype=float)
    upper = rows["ci_upper"].to_numpy(dtype=float)
    err = np.nan_to_num(np.vstack([values - lower, upper - values]))
    ax.errorbar(values, positions, xerr=err, fmt="o", color="C0", capsize=3)
    label, ideal = _SITE_METRICS[metric]
    if ideal is not None:
        ax.axvline(ideal, color="grey", linestyle="--", label=f"ideal ({ideal:g})")
        ax.legend(loc="best", fontsize="small")
    ax.set_yticks(positions)
    ax.set_yticklabels(
        [f"{site} (n={int(sizes[site])})" if site in sizes.index else str(site) for site in rows["site"]]
    )
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(label)
    ax.set_ylabel("Site")
    ax.set_title(f"{metric[0].upper() + metric[1:]} by site")
    return ax
