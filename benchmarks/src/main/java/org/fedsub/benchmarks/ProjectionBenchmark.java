package org.fedsub.benchmarks;

import java.util.concurrent.TimeUnit;
import org.fedsub.runtime.subspace.CoordinateProjection;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The {@code cd} projection's fast path (signed row gather {@code project}, signed row scatter
 * {@code liftAddi}) against the dense products it replaces, with the {@code r x n} matrix from
 * {@code dense()}: {@code P.mmul(g)} and {@code x.addi(P^T.mmul(b))} ({@code P^T} precomputed
 * in c order, as {@code DenseProjection} holds it). Weights {@code [n, m]}, m = 200, r = n/2,
 * float32.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=3g",
    "-Dorg.bytedeco.javacpp.maxphysicalbytes=0"})
@State(Scope.Benchmark)
public class ProjectionBenchmark {

    static final int M = 200;

    @Param({"784", "200"})
    public int n;

    private CoordinateProjection cd;
    private INDArray p;
    private INDArray pt;
    private INDArray g;
    private INDArray b;
    private INDArray x;

    @Setup(Level.Trial)
    public void setup() {
        int r = n / 2;
        cd = CoordinateProjection.random(n, r, 7, DataType.FLOAT);
        p = cd.dense();
        pt = p.transpose().dup('c');
        Nd4j.getRandom().setSeed(7);
        g = Nd4j.rand(DataType.FLOAT, n, M);
        b = Nd4j.rand(DataType.FLOAT, r, M).subi(0.5);
        x = Nd4j.rand(DataType.FLOAT, n, M);
    }

    @Benchmark
    public INDArray cdProject() {
        return cd.project(g);
    }

    @Benchmark
    public INDArray denseProject() {
        return p.mmul(g);
    }

    @Benchmark
    public INDArray cdLiftAddi() {
        cd.liftAddi(x, b);
        return x;
    }

    @Benchmark
    public INDArray denseLiftAddi() {
        return x.addi(pt.mmul(b));
    }
}
