package org.fedsub.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedsub.runtime.strategy.Aggregation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@code Aggregation.weightedMean} over K = 10 client updates of 200k floats each, against a
 * plain {@code System.arraycopy} of the same number of bytes (K x 200k floats, 8 MB): how close
 * the server's averaging comes to memory bandwidth. Both read the same 8 MB of input.
 * {@link #interleaved} runs the three back to back (with the mean's allocation timed on its
 * own): on a shared VM the separate trials can differ several-fold.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=3g",
    "-Dorg.bytedeco.javacpp.maxphysicalbytes=0"})
@State(Scope.Benchmark)
public class AggregationBenchmark {

    static final int K = 10;
    static final int LENGTH = 200_000;

    private List<INDArray> updates;
    private double[] weights;
    private float[] src;
    private float[] dst;

    @Setup(Level.Trial)
    public void setup() {
        Nd4j.getRandom().setSeed(3);
        updates = new ArrayList<>();
        weights = new double[K];
        for (int i = 0; i < K; i++) {
            updates.add(Nd4j.rand(DataType.FLOAT, 1, LENGTH));
            weights[i] = 50 + 10 * i;
        }
        src = new float[K * LENGTH];
        for (int i = 0; i < src.length; i++) {
            src[i] = i;
        }
        dst = new float[K * LENGTH];
    }

    @Benchmark
    public INDArray weightedMean() {
        return Aggregation.weightedMean(updates, weights);
    }

    @Benchmark
    public float[] arraycopy() {
        System.arraycopy(src, 0, dst, 0, src.length);
        return dst;
    }

    /** Nanoseconds per iteration in each part of {@link #interleaved}, and its invocations. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Nanos {
        public long meanNs;
        public long copyNs;
        public long zerosNs;
        public long calls;

        @Setup(Level.Iteration)
        public void reset() {
            meanNs = copyNs = zerosNs = calls = 0;
        }
    }

    /**
     * weightedMean, arraycopy and the mean's one allocation (its fresh zeroed 800 KB off-heap
     * accumulator) back to back, each timed: ratios of numbers taken in the same milliseconds.
     */
    @Benchmark
    public void interleaved(Nanos n, Blackhole bh) {
        long t0 = System.nanoTime();
        bh.consume(Aggregation.weightedMean(updates, weights));
        long t1 = System.nanoTime();
        System.arraycopy(src, 0, dst, 0, src.length);
        bh.consume(dst);
        long t2 = System.nanoTime();
        bh.consume(Nd4j.zeros(DataType.FLOAT, 1, LENGTH));
        long t3 = System.nanoTime();
        n.meanNs += t1 - t0;
        n.copyNs += t2 - t1;
        n.zerosNs += t3 - t2;
        n.calls++;
    }
}
