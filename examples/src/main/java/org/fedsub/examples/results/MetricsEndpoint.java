package org.fedsub.examples.results;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.Map;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;

/**
 * A run's progress in the Prometheus text format at {@code http://host:port/metrics}, updated
 * after every round, for long runs and servers (alongside the files, which it does not
 * replace). Every series carries the label {@code run} (the experiment's or the comparison
 * member's name). Counters count from the start of the run; gauges hold the last round's value,
 * and accuracy and losses the last evaluated round's.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** The path Prometheus scrapes. */
    public static final String PATH = "/metrics";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final HTTPServer server;
    private final Gauge round = gauge("fedsub_round", "rounds (or asynchronous versions) finished");
    private final Gauge planned = gauge("fedsub_rounds_planned", "rounds (or versions) the run is set to make");
    private final Gauge accuracy = gauge("fedsub_test_accuracy", "test accuracy of the global model, last evaluation");
    private final Gauge trainLoss = gauge("fedsub_train_loss", "train loss of the global model, last evaluation");
    private final Gauge testLoss = gauge("fedsub_test_loss", "test loss of the global model, last evaluation");
    private final Gauge clientLoss = gauge("fedsub_client_loss", "mean local training loss of the last round's clients");
    private final Gauge virtualSeconds = gauge("fedsub_virtual_seconds", "simulated seconds (virtual clock runs)");
    private final Counter uplink = counter("fedsub_uplink_bytes", "bytes the clients sent");
    private final Counter downlink = counter("fedsub_downlink_bytes", "bytes the server sent");
    private final Counter used = counter("fedsub_updates_used", "client updates aggregated");
    private final Counter failed = counter("fedsub_clients_failed", "sampled clients whose update did not count");
    private final Counter refused;

    private MetricsEndpoint(String host, int port) throws IOException {
        refused = Counter.builder().name("fedsub_updates_refused").help("updates the server refused, by reason")
                .labelNames("run", "reason").register(registry);
        server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
    }

    /**
     * Serves on {@code host:port} ({@code port} 0: a free one, see {@link #port()}).
     *
     * @throws IOException if the port cannot be bound (in use, or not allowed)
     */
    public static MetricsEndpoint start(String host, int port) throws IOException {
        return new MetricsEndpoint(host, port);
    }

    /** The port it listens on. */
    public int port() {
        return server.getPort();
    }

    /** A listener that publishes the rounds of the run {@code name}, which makes {@code rounds} of them. */
    public RoundListener run(String name, int rounds) {
        planned.labelValues(name).set(rounds);
        round.labelValues(name).set(0);
        return m -> publish(name, m);
    }

    private void publish(String run, RoundMetrics m) {
        round.labelValues(run).set(m.round() + 1);
        if (m.evaluated()) {
            if (!Double.isNaN(m.testAccuracy())) {
                accuracy.labelValues(run).set(m.testAccuracy());
            }
            trainLoss.labelValues(run).set(m.trainLoss());
            testLoss.labelValues(run).set(m.testLoss());
        }
        clientLoss.labelValues(run).set(m.clientLoss());
        virtualSeconds.labelValues(run).set(m.virtualSeconds());
        uplink.labelValues(run).inc(m.uplinkBytes());
        downlink.labelValues(run).inc(m.downlinkBytes());
        used.labelValues(run).inc(m.used());
        failed.labelValues(run).inc(m.failed());
        for (Map.Entry<String, Integer> e : m.rejected().entrySet()) {
            refused.labelValues(run, e.getKey()).inc(e.getValue());
        }
    }

    @Override
    public void close() {
        server.close();
    }

    private Gauge gauge(String name, String help) {
        return Gauge.builder().name(name).help(help).labelNames("run").register(registry);
    }

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).labelNames("run").register(registry);
    }
}
