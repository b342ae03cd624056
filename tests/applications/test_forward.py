"""Predictions equal to tf-keras's: small models at 32x32 with the same
seeded weights in both (tests/reference/make_applications.py recorded
tf-keras's outputs once in applications_forward.npz)."""
import numpy as np
import pytest

from fastgraph import applications
from fastgraph.engine import reset_uids

from .helpers import REFERENCE, seeded_weights

EXPECTED = np.load(f"{REFERENCE}/applications_forward.npz")


@pytest.mark.parametrize("name", ["MobileNetV3Small", "ResNet50", "EfficientNetB0",
                                  "ConvNeXtTiny"])
def test_predictions_match_tf_keras(name):
    reset_uids()
    model = getattr(applications, name)(weights=None, input_shape=(32, 32, 3))
    seeded_weights(model)
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    got = model.predict(x, verbose=0)
    want = EXPECTED[name]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3 * np.abs(want).max())
