"""Clinical evaluation metrics: the numbers a journal reviewer asks for, with their uncertainty.

The package wraps a well-kept library where it does the whole job (:func:`lifelines.utils.concordance_index`
for Harrell's C) and writes by hand what the libraries lack: Wilson intervals, likelihood-ratio
intervals, the DeLong AUROC interval, the calibration hierarchy of Van Calster et al. (2019) and net
benefit (Vickers & Elkin 2006). Three computations that scikit-learn also offers are written here
on purpose, and the tests check that they give scikit-learn's numbers:

- the 2x2 counts (:func:`sklearn.metrics.confusion_matrix`): four numpy sums; calling scikit-learn
  would import :mod:`sklearn.metrics` (about half a second) in every graded notebook for them;
- the AUROC (:func:`sklearn.metrics.roc_auc_score`): it falls out of the midranks that DeLong's
  variance needs anyway, so the estimate and its interval come from one computation;
- the calibration bins (:func:`sklearn.calibration.calibration_curve`): the same edges and bin
  assignment, but ``calibration_curve`` returns neither the bin counts nor the edges, and the
  Wilson interval of each bin needs both.

scipy and scikit-learn are imported inside the functions that use them, so ``import
mlhc_course.metrics`` costs about a third of what it did: 0.46 s instead of 1.43 s of CPU time
(``benchmarks/bench_import.py``; numpy and pandas alone take 0.47 s there).

The code is kept by concern, in private modules; import every name from ``mlhc_course.metrics``:

- ``_classification``: a test at a threshold (:func:`confusion_metrics`, :func:`threshold_table`) and
  Bayes' rule (:func:`ppv_at_prevalence`, :func:`npv_at_prevalence`, :func:`post_test_probability`);
- ``_discrimination``: :func:`roc_auc_ci` and, for survival data, :func:`concordance_index`;
- ``_calibration``: :func:`calibration_summary` and :func:`smoothed_calibration_curve`;
- ``_utility``: :func:`net_benefit` and :func:`decision_curve`;
- ``_intervals``: :func:`wilson_interval` and :func:`bootstrap_ci`.

Conventions shared by every function
------------------------------------
- ``y_true`` holds the reference-standard outcome. It may be 0/1, ``False``/``True``, or any two
  labels (for example strings) together with ``pos_label`` naming the positive class.
- ``y_score`` is any continuous score where higher means "more likely positive" (a probability, a
  NEWS2 total, a biomarker level). Where a function needs a risk (calibration, net benefit) the
  same ``y_score`` must be a probability in [0, 1]; the name does not change with that, as in
  scikit-learn's :func:`~sklearn.metrics.brier_score_loss`.
- A patient is *flagged* (test positive) when ``score >= threshold``, as in
  :func:`sklearn.metrics.roc_curve`.
- Bad input raises a :class:`ValueError` that names the parameter and the fix. NaN or infinite
  scores are never dropped silently.
- A ratio whose denominator is zero (for example sensitivity when there are no positives) is
  reported as NaN *and* an :class:`UndefinedMetricWarning` names it. This is the documented value,
  the same as ``zero_division=np.nan`` in scikit-learn.
"""

from __future__ import annotations

import functools

# Every check lives in the one validation module. The old private names stay importable from here
# (``from .metrics import _check_scores``) for code written against them.
from .._validation import check_1d as _as_1d  # noqa: F401
from .._validation import check_binary_labels as _check_binary_labels  # noqa: F401
from .._validation import check_ci
from .._validation import check_consistent_length as _check_same_length  # noqa: F401
from .._validation import check_proportion as _check_unit_interval  # noqa: F401
from .._validation import check_scores as _check_scores  # noqa: F401
from .._validation import check_threshold_probabilities as _check_thresholds_open_unit  # noqa: F401
from .._validation import check_two_classes as _check_two_classes  # noqa: F401
from ._calibration import calibration_summary, smoothed_calibration_curve
from ._classification import (
    confusion_metrics,
    npv_at_prevalence,
    post_test_probability,
    ppv_at_prevalence,
    threshold_table,
)
from ._common import UndefinedMetricWarning, _z  # noqa: F401  (_z: audit's intervals use it)
from ._discrimination import concordance_index, roc_auc_ci
from ._intervals import bootstrap_ci, wilson_interval
from ._utility import decision_curve, net_benefit

#: The old private name, for code written against it; new code passes its own name as ``caller``.
_check_ci = functools.partial(check_ci, caller="this function")

__all__ = [
    "UndefinedMetricWarning",
    "wilson_interval",
    "confusion_metrics",
    "threshold_table",
    "ppv_at_prevalence",
    "npv_at_prevalence",
    "post_test_probability",
    "roc_auc_ci",
    "bootstrap_ci",
    "calibration_summary",
    "smoothed_calibration_curve",
    "net_benefit",
    "decision_curve",
    "concordance_index",
]
