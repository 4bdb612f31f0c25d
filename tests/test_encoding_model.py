"""The linear encoding model (fit / predict) of erpsim.encoding."""
import numpy as np
import pytest

from erpsim.encoding import LinearEncoder


def _problem(n=30, p=5, v=8, noise=0.0, rng=0):
    rng = np.random.default_rng(rng)
    X = rng.standard_normal((n, p))
    coef = rng.standard_normal((v, p))
    Y = X @ coef.T + noise * rng.standard_normal((n, v))
    return X, Y, coef


def test_least_squares_recovers_signatures():
    X, Y, coef = _problem()
    enc = LinearEncoder().fit(X, Y)
    np.testing.assert_allclose(enc.coef_, coef, atol=1e-10)
    assert enc.coef_.shape == (8, 5)
    np.testing.assert_allclose(enc.predict(X[:3]), Y[:3], atol=1e-10)
    assert enc.score(X, Y) == pytest.approx(1.0)


def test_ridge_matches_closed_form_in_primal_and_dual():
    X, Y, _ = _problem(noise=0.5)
    alpha = 3.0
    closed = np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T @ Y)
    np.testing.assert_allclose(LinearEncoder(alpha).fit(X, Y).coef_, closed.T, rtol=1e-10)
    wide, Yw, _ = _problem(n=6, p=20)
    dual = wide.T @ np.linalg.solve(wide @ wide.T + alpha * np.eye(6), Yw)
    primal = np.linalg.solve(wide.T @ wide + alpha * np.eye(20), wide.T @ Yw)
    fitted = LinearEncoder(alpha).fit(wide, Yw).coef_.T
    np.testing.assert_allclose(fitted, dual, rtol=1e-9)
    np.testing.assert_allclose(fitted, primal, rtol=1e-8)


def test_per_voxel_alpha_by_leave_one_out():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 4))
    clean = X @ rng.standard_normal(4)
    noise = rng.standard_normal(40) * 5.0
    Y = np.column_stack([clean, noise])
    enc = LinearEncoder(alpha=[1e-6, 1.0, 1e3, 1e6]).fit(X, Y)
    assert enc.alpha_[0] == 1e-6          # clean voxel: no shrinkage
    assert enc.alpha_[1] >= 1e3           # pure noise: shrink
    # the closed-form leave-one-out errors agree with refitting
    loo = np.mean([(Y[k, 0] - LinearEncoder(1.0).fit(np.delete(X, k, 0), np.delete(Y, k, 0))
                    .predict(X[k:k + 1])[0, 0]) ** 2 for k in range(40)])
    assert enc.loo_errors_[1, 0] == pytest.approx(loo, rel=1e-8)
    np.testing.assert_allclose(enc.coef_[0], LinearEncoder(1e-6).fit(X, Y[:, :1]).coef_[0])


def test_bad_input():
    X, Y, _ = _problem()
    with pytest.raises(ValueError, match="rows"):
        LinearEncoder().fit(X[:-1], Y)
    with pytest.raises(ValueError, match="2-D"):
        LinearEncoder().fit(X[:, 0], Y)
    Ynan = Y.copy()
    Ynan[3, 2] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        LinearEncoder().fit(X, Ynan)
    with pytest.raises(ValueError, match="alpha"):
        LinearEncoder(alpha=-1).fit(X, Y)
    with pytest.raises(ValueError, match="not fitted"):
        LinearEncoder().predict(X)
    with pytest.raises(ValueError, match="columns"):
        LinearEncoder().fit(X, Y).predict(X[:, :3])
    enc = LinearEncoder().set_params(alpha=2.0)
    assert enc.get_params() == {"alpha": 2.0}
    with pytest.raises(ValueError, match="unknown parameter"):
        enc.set_params(beta=1)
