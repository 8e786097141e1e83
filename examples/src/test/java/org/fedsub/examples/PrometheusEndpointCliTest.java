package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fedsub.prometheus}: a run serves its metrics, and a port it cannot have stops it before anything is written. */
class PrometheusEndpointCliTest {

    @TempDir
    Path tmp;

    @Test
    void run_withAPortInUse_isRefusedInOneLine_andWritesNothing() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = tmp.resolve("out");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            for (String command : new String[] {"run", "compare"}) {
                Cli.Result r = Cli.run(command, conf.toString(), "--out", out.toString(),
                        "--set", "fedsub.prometheus.port=" + taken.getLocalPort(),
                        "--set", "fedsub.compare.runs=[{name=a}]");

                assertEquals(2, r.code(), command + ": " + r.out() + r.err());
                assertEquals(1, r.err().lines().count(), r.err());
                assertTrue(r.err().contains("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort()
                        + " (fedsub.prometheus.port)"), r.err());
                assertFalse(Files.exists(out), command + ": nothing written");
            }
        }
    }

    @Test
    void aPortOutOfRange_isAConfigErrorAtTheKey_forRunAndCheck() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        for (String command : new String[] {"run", "check"}) {
            Cli.Result r = Cli.run(command, conf.toString(), "--set", "fedsub.prometheus.port=70000");
            assertEquals(2, r.code(), command + ": " + r.err());
            assertTrue(r.err().contains("fedsub.prometheus.port = 70000"), r.err());
        }
    }
}
