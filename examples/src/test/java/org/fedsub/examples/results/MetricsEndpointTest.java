package org.fedsub.examples.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.TreeMap;
import org.fedsub.runtime.engine.RoundListener;
import org.fedsub.runtime.engine.RoundMetrics;
import org.junit.jupiter.api.Test;

/** The Prometheus endpoint serves what a scrape of a running experiment should show. */
class MetricsEndpointTest {

    @Test
    void scrape_showsRoundsBytesAccuracyAndRefusalsByReason_perRun() throws Exception {
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
            RoundListener run = endpoint.run("tiny", 10);
            TreeMap<String, Integer> refused = new TreeMap<>();
            refused.put("norm", 2);
            run.onRound(new RoundMetrics(0, 5, 3, 2, 0.9, 1.5, 1.6, 0.25, 100, 400, 40, 1.0, 2.5, refused));
            run.onRound(new RoundMetrics(1, 5, 5, 0, 0.7, Double.NaN, Double.NaN, Double.NaN, 150, 500, 40, 1.0, 5.0));

            String text = scrape(endpoint.port());

            assertEquals(2.0, value(text, "fedsub_round{run=\"tiny\"}"), text);
            assertEquals(10.0, value(text, "fedsub_rounds_planned{run=\"tiny\"}"), text);
            assertEquals(250.0, value(text, "fedsub_uplink_bytes_total{run=\"tiny\"}"), text);
            assertEquals(900.0, value(text, "fedsub_downlink_bytes_total{run=\"tiny\"}"), text);
            assertEquals(8.0, value(text, "fedsub_updates_used_total{run=\"tiny\"}"), text);
            assertEquals(2.0, value(text, "fedsub_updates_refused_total{reason=\"norm\",run=\"tiny\"}"), text);
            assertEquals(0.25, value(text, "fedsub_test_accuracy{run=\"tiny\"}"),
                    "a round without evaluation keeps the last evaluated accuracy: " + text);
            assertEquals(1.5, value(text, "fedsub_train_loss{run=\"tiny\"}"), text);
            assertEquals(5.0, value(text, "fedsub_virtual_seconds{run=\"tiny\"}"), text);
            assertTrue(text.contains("# HELP fedsub_uplink_bytes_total"), text);
        }
    }

    @Test
    void aPortInUse_isAnIOExceptionAtStart() throws Exception {
        try (MetricsEndpoint first = MetricsEndpoint.start("127.0.0.1", 0)) {
            assertThrows(IOException.class, () -> MetricsEndpoint.start("127.0.0.1", first.port()).close());
        }
    }

    @Test
    void close_stopsServing() throws Exception {
        MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0);
        int port = endpoint.port();
        endpoint.close();
        assertThrows(IOException.class, () -> scrape(port));
    }

    private static String scrape(int port) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + MetricsEndpoint.PATH))
                .timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    /** The value of the sample line that starts with {@code series}. */
    private static double value(String text, String series) {
        return text.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim().split(" ")[0]))
                .orElseThrow(() -> new AssertionError("no sample " + series));
    }
}
