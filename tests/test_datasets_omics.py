"""make_gene_expression: determinism, shapes, validated parameters, and the truth it claims."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mlhc_course.datasets import ClinicalDataset, make_gene_expression


def test_same_seed_same_data_and_another_seed_other_data():
    a = make_gene_expression(60, 300, n_informative=5, random_state=3)
    b = make_gene_expression(60, 300, n_informative=5, random_state=3)
    c = make_gene_expression(60, 300, n_informative=5, random_state=4)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.informative_genes == b.informative_genes
    assert not a.data.equals(c.data)


def test_shapes_names_and_truth_attributes():
    ds = make_gene_expression(
        50, 400, n_informative=7, modules=4, module_size=10, n_batches=3, random_state=0
    )
    assert isinstance(ds, ClinicalDataset)
    assert ds.data.shape == (50, 400) and ds.target.shape == (50,)
    assert list(ds.frame.columns[:2]) == ["sample_id", "batch"]
    assert list(ds.frame.columns[-2:]) == ["response", "true_response_prob"]
    assert ds.feature_names[0] == "gene_00001" and len(ds.feature_names) == 400
    assert len(ds.informative_genes) == 7 and set(ds.informative_genes) <= set(ds.feature_names)
    assert list(ds.true_effects.index) == ds.informative_genes
    assert ds.true_effects.abs().between(0.5, 1.5).all()
    assert ds.gene_module.value_counts().to_dict() == {0: 360, 1: 10, 2: 10, 3: 10, 4: 10}
    assert list(ds.batch.cat.categories) == ["B1", "B2", "B3"]
    assert set(np.unique(ds.target)) <= {0, 1}
    assert "gene_00001 ... gene_00400" in ds.DESCR and "Leek" in ds.DESCR
    assert ds.data.dtypes.eq(np.float32).all()


def test_numpy_and_return_X_y_modes():
    X, y = make_gene_expression(30, 100, return_X_y=True, random_state=1)
    assert X.shape == (30, 100) and y.shape == (30,)
    ds = make_gene_expression(30, 100, as_frame=False, random_state=1)
    assert ds.frame is None and isinstance(ds.data, np.ndarray)
    np.testing.assert_array_equal(ds.data, X.to_numpy())
    assert ds.batch.shape == (30,)


def test_module_genes_are_correlated_and_others_are_not():
    ds = make_gene_expression(3000, 60, n_informative=0, modules=2, module_size=10, module_correlation=0.6,
                              random_state=5)  # fmt: skip
    corr = np.corrcoef(ds.data.to_numpy(dtype=float), rowvar=False)
    within = corr[:10, :10][~np.eye(10, dtype=bool)]
    between = corr[:10, 10:20]
    outside = corr[20:, 20:][~np.eye(40, dtype=bool)]
    assert abs(within.mean() - 0.6) < 0.03
    assert abs(between.mean()) < 0.03 and abs(outside.mean()) < 0.03


def test_the_informative_genes_drive_the_outcome():
    ds = make_gene_expression(2000, 500, n_informative=8, random_state=11)
    y = ds.target.to_numpy()
    assert abs(y.mean() - 0.4) < 0.04
    assert roc_auc_score(y, ds.true_risk) > 0.85
    train, test = slice(0, 1000), slice(1000, 2000)

    def auc(genes):
        X = ds.data[genes].to_numpy(dtype=float)
        model = LogisticRegression(max_iter=1000).fit(X[train], y[train])
        return roc_auc_score(y[test], model.predict_proba(X[test])[:, 1])

    others = [g for g in ds.feature_names if g not in ds.informative_genes][:8]
    assert auc(ds.informative_genes) > 0.8
    assert abs(auc(others) - 0.5) < 0.06
    # the signs are the truth: each informative gene's fitted coefficient has the true sign
    X = ds.data[ds.informative_genes].to_numpy(dtype=float)
    coef = LogisticRegression(max_iter=1000).fit(X, y).coef_[0]
    assert (np.sign(coef) == np.sign(ds.true_effects.to_numpy())).all()


def test_pure_noise_has_a_constant_true_probability():
    ds = make_gene_expression(500, 100, n_informative=0, response_rate=0.3, random_state=2)
    assert ds.informative_genes == [] and ds.true_effects.empty
    np.testing.assert_allclose(ds.true_risk, 0.3, atol=1e-9)


def test_batch_confounding_and_batch_effect():
    full = make_gene_expression(400, 50, batch_confounding=1.0, random_state=8)
    np.testing.assert_array_equal(full.batch.cat.codes.to_numpy(), full.target.to_numpy())
    none = make_gene_expression(4000, 50, batch_confounding=0.0, random_state=8)
    assert abs(np.corrcoef(none.batch.cat.codes, none.target)[0, 1]) < 0.05
    half = make_gene_expression(4000, 50, batch_confounding=0.5, random_state=8)
    b2 = half.batch.cat.codes.to_numpy() == 1
    y = half.target.to_numpy() == 1
    assert abs(b2[y].mean() - 0.75) < 0.04 and abs(b2[~y].mean() - 0.25) < 0.04
    # batch shifts change the measurement only: same outcome, same batches, gene-wise shifted means
    shifted = make_gene_expression(4000, 200, batch_effect=0.8, random_state=8)
    plain = make_gene_expression(4000, 200, batch_effect=0.0, random_state=8)
    np.testing.assert_array_equal(shifted.target, plain.target)
    np.testing.assert_array_equal(shifted.batch, plain.batch)
    diff = (shifted.data - plain.data).to_numpy(dtype=float)
    in_b1 = shifted.batch.cat.codes.to_numpy() == 0
    assert np.allclose(diff[in_b1], diff[in_b1][0], atol=1e-4)  # one shift per batch and gene
    assert abs(diff[in_b1][0].std() - 0.8) < 0.12


def test_four_batches_tie_responders_to_the_second_half():
    ds = make_gene_expression(400, 20, n_batches=4, batch_confounding=1.0, random_state=0)
    codes, y = ds.batch.cat.codes.to_numpy(), ds.target.to_numpy()
    assert set(codes[y == 1]) <= {2, 3} and set(codes[y == 0]) <= {0, 1}


BAD = [
    ({"n_samples": 1}, "n_samples", "1", "an int in the range [2, inf)"),
    ({"n_genes": 0}, "n_genes", "0", "[1, inf)"),
    ({"n_genes": 10, "n_informative": 11}, "n_informative", "11", "[0, 10]"),
    ({"n_informative": -1}, "n_informative", "-1", "[0,"),
    ({"modules": 2.5}, "modules", "2.5", "[0, inf)"),
    ({"module_correlation": 1.0}, "module_correlation", "1.0", "[0, 1)"),
    ({"response_rate": 0.0}, "response_rate", "0.0", "(0, 1)"),
    ({"n_batches": 0}, "n_batches", "0", "[1, 26]"),
    ({"batch_effect": -0.1}, "batch_effect", "-0.1", "[0, inf)"),
    ({"batch_confounding": 1.5}, "batch_confounding", "1.5", "[0, 1]"),
    ({"effect_size": "big"}, "effect_size", "'big'", "a float"),
    ({"random_state": -3}, "random_state", "-3", "[0, inf)"),
    ({"as_frame": 1}, "as_frame", "1", "a bool"),
]


@pytest.mark.parametrize(("kwargs", "param", "value", "valid"), BAD, ids=[b[1] for b in BAD])
def test_bad_parameters_are_named_with_value_and_range(kwargs, param, value, valid):
    with pytest.raises(ValueError) as info:
        make_gene_expression(**{"n_samples": 20, "n_genes": 1000, **kwargs})
    message = str(info.value)
    assert f"The '{param}' parameter of make_gene_expression must be" in message
    assert f"Got {value} instead." in message and valid in message


def test_modules_that_do_not_fit_name_the_fix():
    with pytest.raises(ValueError, match=r"modules \* module_size <= n_genes.*20 \* 25 = 500 > 100"):
        make_gene_expression(20, 100, module_size=25)


def test_one_thousand_by_twenty_thousand_in_seconds():
    start = time.perf_counter()
    ds = make_gene_expression(1000, 20_000, n_informative=20, batch_effect=0.5, random_state=0)
    elapsed = time.perf_counter() - start
    assert ds.data.shape == (1000, 20_000)
    assert elapsed < 15, f"1,000 x 20,000 took {elapsed:.1f} s"
