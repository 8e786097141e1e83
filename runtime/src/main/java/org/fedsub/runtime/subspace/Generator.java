package org.fedsub.runtime.subspace;

import java.util.List;
import java.util.Locale;
import org.fedsub.runtime.Seeds;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * FedSub's projection generators ({@code gene_method}). All but {@code svd} are pure functions
 * of a seed, so a projection is never sent: the seed is.
 */
public enum Generator {
    CD, RD, SS, IDX, SVD;

    public static final List<String> NAMES = List.of("cd", "rd", "ss", "idx", "svd");

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Generator of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** True if the projection is determined by its seed (and so costs no bytes). */
    public boolean seeded() {
        return this != SVD;
    }

    /**
     * The projection of layer {@code layer} in basis {@code basis}. For {@code svd} this is the
     * first basis only ({@code cd}); later ones come from {@link DenseProjection#topSingular}.
     */
    public Projection generate(long experimentSeed, long basis, int layer, int n, int r, DataType dtype) {
        long seed = Seeds.derive(experimentSeed, Seeds.tag("projection"), basis, layer);
        return switch (this) {
            case CD, SVD -> CoordinateProjection.random(n, r, seed, dtype);
            case IDX -> {
                if (r != n) {
                    throw new IllegalArgumentException("idx projection requires r = n, got r=" + r + ", n=" + n);
                }
                yield CoordinateProjection.identity(n, dtype);
            }
            case RD -> DenseProjection.gaussian(n, r, seed, dtype);
            case SS -> DenseProjection.orthogonal(n, r, seed, dtype);
        };
    }
}
