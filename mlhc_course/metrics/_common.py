"""What every metric shares: the undefined-metric warning, the normal quantile, a Bunch, a safe ratio."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sklearn.utils import Bunch

ArrayLike = Any


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for this input (a zero denominator); its value is reported as NaN."""


def _z(ci: float) -> float:
    from scipy import stats  # lazy: scipy.stats alone costs more than the rest of this module

    return float(stats.norm.ppf(0.5 + ci / 2))


def _bunch(**fields: Any) -> Bunch:
    from sklearn.utils import Bunch  # lazy, as scipy above

    return Bunch(**fields)


def _ratio(num: float, den: float, metric: str, *, stacklevel: int = 3) -> float:
    if den == 0:
        warnings.warn(
            f"{metric} is undefined here (its denominator is zero) and is reported as NaN.",
            UndefinedMetricWarning,
            stacklevel=stacklevel,
        )
        return float("nan")
    return float(num / den)
