"""``make_gene_expression``: synthetic log-expression with gene modules, a known signature and batches.

Many more genes than patients, correlated co-expression modules, a handful of genes that truly drive
the outcome (treatment response), and processing batches that shift expression and may go with the
outcome. The generating model is in the datasheet (``descr/gene_expression.md``). Everything is
vectorised: a module's correlation comes from one shared latent factor per module and sample, so no
genes-by-genes covariance matrix is ever built, and 1,000 x 20,000 takes about a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import Interval, check_param, check_random_state
from ._base import ClinicalDataset, Column, build_dataset, datasheet

__all__ = ["make_gene_expression"]

_NAME = "gene_expression"
_CALLER = "make_gene_expression"

#: Mean log2 expression of a gene across samples: N(7, 1.5^2), a typical range for log2 normalised
#: microarray or log2 CPM RNA-seq values of expressed genes (illustrative).
_MEAN_LOG2 = (7.0, 1.5)
#: Between-sample SD of a gene's log2 expression: lognormal around 0.5 (median), illustrative.
_SD_LOG2_MEDIAN, _SD_LOG2_SPREAD = 0.5, 0.4
#: Size of each true effect, in log-odds per SD of the gene's expression: |beta| uniform on this range
#: times ``effect_size``, with a random sign.
_EFFECT_RANGE = (0.5, 1.5)


def _gene_names(n_genes: int) -> list[str]:
    width = max(5, len(str(n_genes)))
    return [f"gene_{k:0{width}d}" for k in range(1, n_genes + 1)]


def _columns(gene_names: list[str]) -> tuple[Column, ...]:
    """The datasheet's schema; the genes are one row (they share a description)."""
    genes = f"{gene_names[0]} ... {gene_names[-1]}" if len(gene_names) > 1 else gene_names[0]
    return (
        Column("sample_id", "int", "Sample (patient) identifier (1..n_samples)."),
        Column("batch", "category", "Processing batch the sample was assayed in: B1, B2, ..."),
        Column(genes, "float", "Log2 expression of each gene, batch effect included.", "log2 units"),
        Column("response", "int", "Treatment response (0/1): the target."),
        Column("true_response_prob", "float", "Ground truth: the probability of response given the genes."),
    )


def _intercept_for_rate(linear: np.ndarray, rate: float) -> float:
    """The intercept b0 with mean(sigmoid(b0 + linear)) == rate, by bisection (vectorised, 60 steps)."""
    low, high = -30.0, 30.0
    for _ in range(60):
        mid = (low + high) / 2
        if np.mean(1 / (1 + np.exp(-(mid + linear)))) < rate:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _standardised_expression(
    rng: np.random.Generator, n: int, p: int, modules: int, module_size: int, module_correlation: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Standardised expression (one latent factor per module and sample, plus gene-level noise).

    Returns the n x p standardised matrix, each gene's module (0: none), and each gene's log2 mean and
    SD, which the caller applies after the outcome is drawn from the standardised values.
    """
    z = rng.standard_normal((n, p), dtype=np.float32)
    in_modules = modules * module_size
    module_of_gene = np.zeros(p, dtype=np.int64)
    if in_modules:
        module_of_gene[:in_modules] = np.repeat(np.arange(1, modules + 1), module_size)
        factors = rng.standard_normal((n, modules), dtype=np.float32)
        rho = np.float32(module_correlation)
        block = z[:, :in_modules].reshape(n, modules, module_size)
        block *= np.sqrt(1 - rho)
        block += np.sqrt(rho) * factors[:, :, None]
    mean = rng.normal(*_MEAN_LOG2, size=p).astype(np.float32)
    sd = (_SD_LOG2_MEDIAN * np.exp(_SD_LOG2_SPREAD * rng.standard_normal(p))).astype(np.float32)
    return z, module_of_gene, mean, sd


def _outcome(
    effects_rng: np.random.Generator,
    outcome_rng: np.random.Generator,
    z: np.ndarray,
    n_informative: int,
    effect_size: float,
    response_rate: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The truth: the informative genes, their log-odds per SD, the response probability and the response."""
    n, p = z.shape
    informative = np.sort(effects_rng.choice(p, size=n_informative, replace=False))
    beta = effects_rng.uniform(*_EFFECT_RANGE, size=n_informative) * effect_size
    beta *= effects_rng.choice([-1.0, 1.0], size=n_informative)
    linear = z[:, informative].astype(np.float64) @ beta
    true_prob = 1 / (1 + np.exp(-(_intercept_for_rate(linear, response_rate) + linear)))
    response = (outcome_rng.random(n) < true_prob).astype(np.int64)
    return informative, beta, true_prob, response


def _batches(
    rng: np.random.Generator,
    response: np.ndarray,
    n_batches: int,
    batch_confounding: float,
    batch_effect: float,
    p: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's batch and each batch's shift of every gene.

    Batches are drawn after the outcome: with probability ``batch_confounding`` a responder goes to the
    upper half of the batches and a non-responder to the lower half, otherwise the batch is uniform.
    """
    n = len(response)
    uniform_batch = rng.integers(n_batches, size=n)
    half = n_batches // 2
    if n_batches > 1:
        tied = np.where(
            response == 1,
            half + rng.integers(n_batches - half, size=n),
            rng.integers(max(half, 1), size=n),
        )
    else:
        tied = np.zeros(n, dtype=np.int64)
    batch = np.where(rng.random(n) < batch_confounding, tied, uniform_batch)
    shift = (batch_effect * rng.standard_normal((n_batches, p))).astype(np.float32)
    return batch, shift


def make_gene_expression(
    n_samples: int = 200,
    n_genes: int = 2000,
    *,
    n_informative: int = 10,
    modules: int = 20,
    module_size: int | None = None,
    module_correlation: float = 0.5,
    effect_size: float = 1.0,
    response_rate: float = 0.4,
    n_batches: int = 2,
    batch_effect: float = 0.0,
    batch_confounding: float = 0.0,
    random_state: int | np.random.Generator | None = None,
    return_X_y: bool = False,
    as_frame: bool = True,
) -> ClinicalDataset | tuple[Any, Any]:
    """Simulate log2 gene expression of tumour samples and each patient's response to a treatment.

    Genes outnumber patients, genes come in correlated co-expression modules, and only
    ``n_informative`` genes truly change the probability of response: their names and effects are
    returned, so a lesson can check which genes a model selects. Processing batches shift every gene's
    expression and, with ``batch_confounding``, go with the outcome, as when responders' samples were
    assayed in a different run from non-responders' (Leek et al. 2010).

    Parameters
    ----------
    n_samples : int, default=200
        Number of samples (patients), one per row.
    n_genes : int, default=2000
        Number of genes (features).
    n_informative : int, default=10
        Number of genes whose expression drives the response. ``0`` gives pure noise: the response
        is independent of every gene.
    modules : int, default=20
        Number of co-expression modules. Genes ``1..modules * module_size`` are in modules (module 1
        first); the others are independent of each other.
    module_size : int or None, default=None
        Number of genes per module. None: 25, or fewer (at least 1) so that modules hold at most
        half of the genes.
    module_correlation : float, default=0.5
        Correlation between two genes of the same module, in [0, 1).
    effect_size : float, default=1.0
        Multiplies every true effect. Each informative gene's effect is a log-odds ratio per SD of
        its expression, of size uniform on [0.5, 1.5] times ``effect_size``, with a random sign.
    response_rate : float, default=0.4
        Expected proportion of responders, in (0, 1).
    n_batches : int, default=2
        Number of processing batches (1-26), of about equal size when unconfounded.
    batch_effect : float, default=0.0
        SD of the per-batch, per-gene shift in log2 expression (0 = no batch effect). A shift of 0.5
        is half a log2 unit, about 1.4-fold.
    batch_confounding : float, default=0.0
        How strongly batch goes with the outcome, in [0, 1]: a sample's batch is tied to its outcome
        (responders in the second half of the batches, non-responders in the first) with this
        probability, else uniform. With two batches, P(batch B2 | responder) = (1 + c) / 2 and
        P(batch B2 | non-responder) = (1 - c) / 2. ``1`` makes batch and outcome identical.
    random_state : int, numpy.random.Generator or None, default=None
        Seed for reproducible data.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of the dataset.
    as_frame : bool, default=True
        If True, ``data`` is a DataFrame and ``frame`` holds every column; else NumPy arrays.

    Returns
    -------
    dataset : ClinicalDataset
        The standard keys (``frame``, ``data`` = the genes, ``target`` = ``response``,
        ``true_risk`` = the true probability of response, ``DESCR``, ``options``), plus the truth:
        ``informative_genes`` (list of gene names), ``true_effects`` (Series of log-odds ratios per
        SD, indexed by those genes), ``batch`` (the batch of each sample, also a column of
        ``frame``) and ``gene_module`` (Series: each gene's module, 0 = none). Or ``(data, target)``
        if ``return_X_y``.

    Notes
    -----
    For sample i and gene g in module m, the standardised expression is
    ``z = sqrt(rho) * f[i, m] + sqrt(1 - rho) * e[i, g]`` with ``f`` and ``e`` independent standard
    normal, so genes of one module have correlation ``rho`` (a block covariance built from one
    latent factor per module). Genes outside modules have ``z = e``. The log2 expression is
    ``mu[g] + sd[g] * z + shift[batch[i], g]``, with ``mu ~ N(7, 1.5^2)``, ``sd`` lognormal with
    median 0.5, and ``shift ~ N(0, batch_effect^2)``. The response is Bernoulli with
    ``logit p = b0 + sum_j beta_j z[i, j]`` over the informative genes (chosen uniformly among all
    genes), with ``b0`` set so that the mean of ``p`` is ``response_rate``. Batches shift the
    measurement, not the biology: they never change ``p``. The batch is drawn after the outcome, so
    ``batch_confounding`` makes batch predictive of the outcome without causing it.

    References
    ----------
    .. [1] Leek JT, Scharpf RB, Bravo HC, et al. Tackling the widespread and critical impact of batch
       effects in high-throughput data. Nat Rev Genet 2010;11:733-739.
    .. [2] Ambroise C, McLachlan GJ. Selection bias in gene extraction on the basis of microarray
       gene-expression data. Proc Natl Acad Sci USA 2002;99:6562-6566.

    Examples
    --------
    >>> from mlhc_course.datasets import make_gene_expression
    >>> ds = make_gene_expression(100, 500, n_informative=5, random_state=0)
    >>> ds.data.shape, len(ds.informative_genes)
    ((100, 500), 5)
    >>> noise = make_gene_expression(100, 500, n_informative=0, random_state=0)
    >>> noise.informative_genes
    []
    """
    check_param(n_samples, Interval(int, 2, None, closed="left"), name="n_samples", caller=_CALLER)
    check_param(n_genes, Interval(int, 1, None, closed="left"), name="n_genes", caller=_CALLER)
    check_param(n_informative, Interval(int, 0, n_genes), name="n_informative", caller=_CALLER)
    check_param(modules, Interval(int, 0, None, closed="left"), name="modules", caller=_CALLER)
    check_param(module_size, Interval(int, 1, None, closed="left"), None, name="module_size", caller=_CALLER)
    check_param(
        module_correlation, Interval(float, 0, 1, closed="left"), name="module_correlation", caller=_CALLER
    )
    check_param(effect_size, Interval(float, 0, None, closed="left"), name="effect_size", caller=_CALLER)
    check_param(response_rate, Interval(float, 0, 1, closed="neither"), name="response_rate", caller=_CALLER)
    check_param(n_batches, Interval(int, 1, 26), name="n_batches", caller=_CALLER)
    check_param(batch_effect, Interval(float, 0, None, closed="left"), name="batch_effect", caller=_CALLER)
    check_param(batch_confounding, Interval(float, 0, 1), name="batch_confounding", caller=_CALLER)
    check_param(return_X_y, bool, name="return_X_y", caller=_CALLER)
    check_param(as_frame, bool, name="as_frame", caller=_CALLER)
    if module_size is None:
        module_size = max(1, min(25, n_genes // max(2 * modules, 1)))
    if modules * module_size > n_genes:
        raise ValueError(
            f"The 'modules' and 'module_size' parameters of {_CALLER} need modules * module_size <= "
            f"n_genes. Got {modules} * {module_size} = {modules * module_size} > {n_genes} instead: "
            "lower one of them or raise n_genes."
        )
    rng = check_random_state(random_state, caller=_CALLER)
    # one independent stream per component, so that e.g. switching the batch effect on changes
    # nothing but the batch shifts
    genes_rng, effects_rng, outcome_rng, batch_rng = (
        np.random.default_rng(s) for s in rng.integers(0, 2**63 - 1, size=4)
    )
    n, p = int(n_samples), int(n_genes)
    z, module_of_gene, mean, sd = _standardised_expression(
        genes_rng, n, p, modules, module_size, module_correlation
    )
    informative, beta, true_prob, response = _outcome(
        effects_rng, outcome_rng, z, n_informative, effect_size, response_rate
    )
    batch, shift = _batches(batch_rng, response, n_batches, batch_confounding, batch_effect, p)
    z *= sd
    z += mean
    if batch_effect > 0:
        z += shift[batch]
    expression = z

    names = _gene_names(p)
    batch_names = [f"B{k + 1}" for k in range(n_batches)]
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "sample_id": np.arange(1, n + 1, dtype=np.int64),
                    "batch": pd.Categorical.from_codes(batch, categories=batch_names),
                }
            ),
            pd.DataFrame(expression, columns=names, copy=False),
            pd.DataFrame({"response": response, "true_response_prob": true_prob}),
        ],
        axis=1,
    )
    options = {
        "n_samples": n,
        "n_genes": p,
        "n_informative": n_informative,
        "modules": modules,
        "module_size": module_size,
        "module_correlation": module_correlation,
        "effect_size": effect_size,
        "response_rate": response_rate,
        "n_batches": n_batches,
        "batch_effect": batch_effect,
        "batch_confounding": batch_confounding,
    }
    result = build_dataset(
        name=_NAME,
        frame=frame,
        feature_names=names,
        target_names=["response"],
        true_risk_column="true_response_prob",
        descr=datasheet(_NAME, _columns(names)),
        options=options,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
    if return_X_y:
        return result
    informative_names = [names[k] for k in informative]
    result["informative_genes"] = informative_names
    result["true_effects"] = pd.Series(
        beta, index=pd.Index(informative_names, name="gene"), name="log_odds_per_sd"
    )
    result["batch"] = frame["batch"] if as_frame else batch
    result["gene_module"] = pd.Series(module_of_gene, index=pd.Index(names, name="gene"), name="module")
    return result
