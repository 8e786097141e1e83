package org.fedsub.runtime.subspace;

import java.util.SplittableRandom;

/** Standard normal draws from a {@link SplittableRandom} (Box-Muller, one value per call). */
final class Gaussians {

    private Gaussians() {}

    static double next(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
