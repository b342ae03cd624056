"""Seed program 7: a residual connection, trained as a denoiser.

The guide adds a 3x3 convolution's output (3 filters, 'same' padding) to
its own input: `z = add([x, Conv2D(3, (3, 3), padding='same')(x)])`, so the
output has the input's shape and the convolution learns a correction.
Shrunk: 32x32x3 images (the guide: 256x256x3).  Synthetic data: smooth
colour images plus noise; the model is trained to return the clean image,
so its error ends below that of the noisy input (the identity, where the
block starts when the correction is zero).

    python -m fastgraph.examples.residual --epochs 5
"""
import numpy as np

import fastgraph
from fastgraph.examples import parse_args, report
from fastgraph.layers import Conv2D, Input
from fastgraph.models import Model
from fastgraph.optimizers import Adam

SIZE = 32


def make_images(rng, n=256, noise=0.3):
    """(noisy, clean) float32 (n, SIZE, SIZE, 3): blocky 4x4 colour fields."""
    coarse = rng.random((n, 4, 4, 3), dtype=np.float32)
    clean = coarse.repeat(SIZE // 4, axis=1).repeat(SIZE // 4, axis=2)
    noisy = clean + noise * rng.standard_normal(clean.shape, dtype=np.float32)
    return noisy, clean


def main(argv=None):
    """Train the residual block to remove noise; compare with the noisy input."""
    args, rng = parse_args(argv, __file__, __doc__, epochs=3, batch_size=8)
    x = Input(shape=(SIZE, SIZE, 3))
    y = Conv2D(3, (3, 3), padding='same')(x)
    z = fastgraph.layers.add([x, y])
    model = Model(x, z)
    print("residual block output shape:", z.shape)
    model.compile(optimizer=Adam(learning_rate=0.01), loss='mse')
    noisy, clean = make_images(rng)
    history = model.fit(noisy, clean, epochs=args.epochs,
                        batch_size=args.batch_size, verbose=args.verbose)
    test_noisy, test_clean = make_images(rng, 64)
    noisy_mse = float(np.mean((test_noisy - test_clean) ** 2))
    denoised_mse = float(np.mean((model.predict(test_noisy) - test_clean) ** 2))
    report("residual denoiser, mean squared error", noisy_input=noisy_mse,
           denoised=denoised_mse)
    return {"model": model, "history": history, "noisy_mse": noisy_mse,
            "denoised_mse": denoised_mse}


if __name__ == "__main__":
    main()
