import numpy as np
import pytest
from sklearn.datasets import make_blobs


@pytest.fixture(scope="session")
def blobs():
    X, y = make_blobs(n_samples=1500, n_features=6, centers=4, cluster_std=0.8, random_state=3)
    return X, y


@pytest.fixture(scope="session")
def noise():
    return np.random.default_rng(0).standard_normal((1500, 8))
