"""Lesson 13 (notebooks/13_omics_high_dimensional.ipynb): every number the lesson states or checks.

Each helper repeats the lesson's computation step by step (same seed, sizes and pipelines), so a change
to make_gene_expression or to scikit-learn that moves a lesson's claim fails here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score, roc_auc_score
from sklearn.model_selection import (
    GridSearchCV,
    LeaveOneGroupOut,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlhc_course import datasets, exercises

SEED = 2026
K = 20
CV = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
# as in the lesson: scikit-learn >= 1.8 chooses the penalty with l1_ratio alone, older releases need `penalty`
NEW_API = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 8)
LASSO = {"l1_ratio": 1.0} if NEW_API else {"penalty": "l1"}
ELASTIC_NET = {"l1_ratio": 0.5} if NEW_API else {"penalty": "elasticnet", "l1_ratio": 0.5}


def _classifier():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, solver="liblinear"))


def _leaky(X, y, k=K):
    X_selected = SelectKBest(f_classif, k=k).fit_transform(X, y)
    return cross_val_score(_classifier(), X_selected, y, cv=CV, scoring="roc_auc").mean()


def _honest(X, y, k=K):
    pipeline = make_pipeline(SelectKBest(f_classif, k=k), _classifier())
    return cross_val_score(pipeline, X, y, cv=CV, scoring="roc_auc").mean()


def _noise(n_genes=5000, seed=SEED):
    ds = datasets.make_gene_expression(
        500, n_genes, n_informative=0, modules=0, response_rate=0.5, random_state=seed
    )
    return ds.data.to_numpy(dtype=float), ds.target.to_numpy()


@pytest.fixture(scope="module")
def study():
    ds = datasets.make_gene_expression(400, 2000, n_informative=10, random_state=SEED)
    X_dev, X_test, y_dev, y_test, _, p_test = train_test_split(
        ds.data.to_numpy(dtype=float), ds.target.to_numpy(), ds.true_risk.to_numpy(), train_size=200,
        stratify=ds.target, random_state=SEED,
    )  # fmt: skip
    lasso = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(solver="liblinear", **LASSO)),
        param_grid={"logisticregression__C": np.logspace(-2, 0, 5)},
        cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED),
        scoring="roc_auc",
    ).fit(X_dev, y_dev)
    return ds, X_dev, X_test, y_dev, y_test, p_test, lasso


@pytest.fixture(scope="module")
def stability(study):
    ds, X_dev, _, y_dev, _, _, lasso = study
    best_c = lasso.best_params_["logisticregression__C"]
    rng = np.random.default_rng(SEED)
    is_true = np.isin(ds.feature_names, ds.informative_genes)
    fixed = make_pipeline(StandardScaler(), LogisticRegression(C=best_c, solver="liblinear", **LASSO))
    chosen = []
    for _ in range(30):
        rows = rng.choice(len(y_dev), size=len(y_dev), replace=True)
        fixed.fit(X_dev[rows], y_dev[rows])
        chosen.append(fixed[-1].coef_[0] != 0)
    chosen = np.array(chosen)
    return is_true, chosen, pd.Series(chosen.mean(axis=0), index=ds.feature_names)


def _batched(confounding):
    return datasets.make_gene_expression(
        300, 2000, n_informative=0, n_batches=4, batch_effect=0.4,
        batch_confounding=confounding, random_state=SEED,
    )  # fmt: skip


def _ridge():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.01, solver="liblinear"))


# ---------------------------------------------------------------- p >> n, lasso, nested CV


def test_unpenalised_regression_memorises_and_the_lasso_generalises(study):
    ds, X_dev, X_test, y_dev, y_test, p_test, lasso = study
    assert roc_auc_score(y_test, p_test) > 0.85  # the ceiling
    unpen = make_pipeline(StandardScaler(), LogisticRegression(C=np.inf, max_iter=5000)).fit(X_dev, y_dev)
    assert roc_auc_score(y_dev, unpen.predict_proba(X_dev)[:, 1]) == 1.0  # "a perfect apparent AUROC"
    auc_unpen = roc_auc_score(y_test, unpen.predict_proba(X_test)[:, 1])
    auc_lasso = roc_auc_score(y_test, lasso.predict_proba(X_test)[:, 1])
    assert auc_unpen < 0.7 and auc_lasso > auc_unpen + 0.05  # "much better"
    coef = lasso.best_estimator_[-1].coef_[0]
    selected = np.array(ds.feature_names)[coef != 0]
    assert 20 <= len(selected) <= 80  # "a few dozen genes"
    assert np.isin(selected, ds.informative_genes).sum() >= 6  # "most of the true genes"


def test_the_elastic_net_keeps_more_genes(study):
    _, X_dev, _, y_dev, _, _, lasso = study
    best_c = lasso.best_params_["logisticregression__C"]
    enet = make_pipeline(
        StandardScaler(), LogisticRegression(C=best_c, solver="saga", tol=1e-3, max_iter=5000, **ELASTIC_NET)
    ).fit(X_dev, y_dev)
    assert (enet[-1].coef_[0] != 0).sum() > (lasso.best_estimator_[-1].coef_[0] != 0).sum()


def test_nested_cv_is_below_the_tuned_score(study):
    _, X_dev, _, y_dev, _, _, lasso = study
    outer = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED + 1)
    nested = cross_val_score(lasso, X_dev, y_dev, cv=outer, scoring="roc_auc").mean()
    assert nested < lasso.best_score_  # "optimistic"
    assert lasso.best_score_ - nested < 0.1  # "modest"


# ---------------------------------------------------------------- selection bias (issue 14 acceptance)


def test_selection_bias_on_pure_noise():
    """Issue 14: on noise, the leaky pipeline's CV AUC is above 0.7 and the correct one within 0.5 +/- 0.07."""
    X, y = _noise()
    assert _leaky(X, y) > 0.7
    assert abs(_honest(X, y) - 0.5) < 0.07


@pytest.mark.parametrize("seed", [SEED + 1, SEED + 2, SEED + 3])
def test_selection_bias_is_stable_across_seeds(seed):
    X, y = _noise(seed=seed)
    assert _leaky(X, y) > 0.7
    assert abs(_honest(X, y) - 0.5) < 0.07


def test_the_leak_grows_with_the_number_of_genes_kept_and_honest_stays_near_half():
    X, y = _noise()
    leaky = [_leaky(X, y, k) for k in (5, 20, 100)]
    assert leaky == sorted(leaky) and min(leaky) > 0.6
    assert all(abs(_honest(X, y, k) - 0.5) < 0.08 for k in (5, 20, 100))


# ---------------------------------------------------------------- stability


def test_stable_genes_are_more_precise_but_miss_true_genes(stability):
    is_true, chosen, frequency = stability
    precision_each = np.mean([precision_score(is_true, c) for c in chosen])
    recall_each = np.mean([recall_score(is_true, c) for c in chosen])
    stable = frequency >= 0.7
    assert precision_score(is_true, stable) > 3 * precision_each
    assert recall_score(is_true, stable) < recall_each


# ---------------------------------------------------------------- batches


def test_a_model_learns_the_confounded_batch_and_leave_one_batch_out_exposes_it():
    ds = _batched(0.7)
    X, y, batch = ds.data.to_numpy(dtype=float), ds.target.to_numpy(), ds.batch
    assert cross_val_score(_ridge(), X, y, cv=CV, scoring="roc_auc").mean() > 0.75
    aucs = []
    for train, test in LeaveOneGroupOut().split(X, y, groups=batch):
        model = _ridge().fit(X[train], y[train])
        aucs.append(roc_auc_score(y[test], model.predict_proba(X[test])[:, 1]))
    assert abs(np.mean(aucs) - 0.5) < 0.1  # "near 0.5"


# ---------------------------------------------------------------- self-checks


def _expect(question_id, right, wrong, hint_fragment):
    assert exercises.check(question_id, right).passed is True
    result = exercises.check(question_id, wrong)
    assert result.passed is False and hint_fragment in result.hint
    assert exercises.check(question_id, [right]).passed is False  # a wrong type fails without raising


def test_ex1_leaky_auc_with_10000_genes():
    X, y = _noise(n_genes=10_000)
    value = _leaky(X, y)
    assert value > _leaky(*_noise())  # "more genes, more bias"
    assert abs(_honest(X, y) - 0.5) < 0.07  # "honest_cv_auc stays near 0.5 whatever the number of genes"
    _expect("l13_ex1_leaky_more_genes", round(value, 3), round(_leaky(*_noise()), 3), "5,000")


def test_ex2_precision_at_half(stability):
    is_true, _, frequency = stability
    value = precision_score(is_true, frequency >= 0.5)
    assert value < precision_score(is_true, frequency >= 0.7)
    _expect("l13_ex2_stable_precision", round(value, 3), round(precision_score(is_true, frequency >= 0.7), 3),
            "70%")  # fmt: skip
    assert recall_score(is_true, frequency >= 0.5) >= recall_score(is_true, frequency >= 0.7)


def test_ex3_unconfounded_batches_give_no_signal():
    ds = _batched(0.0)
    value = cross_val_score(
        _ridge(), ds.data.to_numpy(dtype=float), ds.target, cv=CV, scoring="roc_auc"
    ).mean()
    assert abs(value - 0.5) < 0.07
    confounded = _batched(0.7)
    wrong = cross_val_score(
        _ridge(), confounded.data.to_numpy(dtype=float), confounded.target, cv=CV, scoring="roc_auc"
    ).mean()
    _expect("l13_ex3_batch_unconfounded", round(value, 3), round(wrong, 3), "batch_confounding=0.0")


def test_ex4_standardising_does_not_look_at_the_outcome():
    X, y = _noise()
    X_std = StandardScaler().fit_transform(X)
    assert abs(_honest(X_std, y) - _honest(X, y)) < 0.01
    _expect("l13_ex4_where_is_the_leak", "no", "yes", "outcome")
