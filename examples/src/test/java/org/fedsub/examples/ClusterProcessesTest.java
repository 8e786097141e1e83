package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fedsub.runtime.io.Npz;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A federation of real processes on 127.0.0.1: {@code fedsub server} and three {@code fedsub client}
 * nodes (JVMs of their own on this test's class path), each node reading only its own part of
 * the folders {@code fedsub partition} wrote. Every wait is bounded and polls what a user would
 * look at (metrics.csv, the processes' logs, exit codes); nothing asserts how fast it went.
 */
class ClusterProcessesTest {

    private static final long WAIT_SECONDS = 240;

    /** Six clients of Synthetic(1,1), full participation: every round waits for every client. */
    private static final String CONF = """
            fedsub {
              name = cluster
              seed = 5
              rounds = %d
              data {
                type = synthetic
                synthetic { users = 6, dim = 12, classes = 3, max-samples-per-user = 40 }
              }
              model.type = logreg
              participation { clients-per-round = 0, fraction = 1.0 }
              train { local-steps = 4, batch-size = 5, lr = 0.05 }
              strategy { name = fedsub, fedsub.rank-rate = 0.5 }
            }
            """;

    @TempDir
    Path tmp;

    /** Certificates from scripts/make-certs.sh, one node identity every process of these tests uses. */
    @TempDir
    static Path certs;

    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws IOException, InterruptedException {
        Path script = Path.of("..", "scripts", "make-certs.sh").toAbsolutePath().normalize();
        Path out = certs.resolve("nodes");
        Process p = new ProcessBuilder("bash", script.toString(), out.toString(), "node").redirectErrorStream(true)
                .redirectOutput(certs.resolve("make-certs.log").toFile()).start();
        try {
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "make-certs.sh did not finish within 5 minutes");
            assertEquals(0, p.exitValue(), () -> readOrEmpty(certs.resolve("make-certs.log")));
        } finally {
            p.destroyForcibly();
        }
    }

    private static String readOrEmpty(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @AfterEach
    void killEverything() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
        }
        for (Process p : started) {
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Partitions the experiment of {@code rounds} into tmp/parts and returns the folder. */
    private Path partition(int rounds) throws IOException {
        Path conf = Cli.write(tmp, "cluster.conf", CONF.formatted(rounds));
        Path parts = tmp.resolve("parts");
        Cli.Result r = Cli.run("partition", conf.toString(), "--out", parts.toString());
        assertEquals(0, r.code(), r.err());
        return parts;
    }

    private Process start(String name, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private String log(String name) {
        try {
            return Files.readString(tmp.resolve(name + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private String logs() {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(tmp)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                b.append("== ").append(f.getFileName()).append('\n').append(log(f.getFileName().toString()
                        .replace(".log", ""))).append('\n');
            }
        } catch (IOException e) {
            b.append(e);
        }
        return b.toString();
    }

    /** The settings every node of a test shares. */
    private static String[] cluster(int port, String... more) {
        // Over TLS with mutual authentication, as deployed (the default of ./fedsub server and client).
        List<String> s = new ArrayList<>(List.of("--set", "fedsub.cluster.open=true",
                "--set", "fedsub.cluster.tls.dir=" + certs.resolve("nodes").resolve("node"),
                "--set", "fedsub.cluster.server.port=" + port, "--set", "fedsub.cluster.stable-after=2s",
                "--set", "fedsub.cluster.join-timeout=120s", "--set", "fedsub.actors.compute-pool-size=1"));
        for (String m : more) {
            s.add("--set");
            s.add(m);
        }
        return s.toArray(new String[0]);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private Process client(Path parts, String ids, String[] settings) throws IOException {
        // Each node saves its clients' duals after every acknowledgement; a restarted node reads them back.
        return start("client-" + ids.replace(',', '_') + "-" + started.size(), concat(new String[] {"client",
                parts.resolve("config.conf").toString(), "--clients", ids, "--data", parts.toString(), "--set",
                "fedsub.cluster.state-dir=" + tmp.resolve("state-" + ids.replace(',', '_'))}, settings));
    }

    private void awaitExit(Process p, String name) throws InterruptedException {
        if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            fail(name + " did not finish within " + WAIT_SECONDS + " s:\n" + logs() + threadDumps());
        }
    }

    /** The threads of every process still running, for a failure message (jstack, bounded). */
    private String threadDumps() throws InterruptedException {
        StringBuilder b = new StringBuilder();
        String jstack = Path.of(System.getProperty("java.home"), "bin", "jstack").toString();
        for (Process p : started) {
            if (!p.isAlive()) {
                continue;
            }
            try {
                Process j = new ProcessBuilder(jstack, String.valueOf(p.pid())).redirectErrorStream(true).start();
                byte[] dump = j.getInputStream().readAllBytes();
                j.waitFor(30, TimeUnit.SECONDS);
                b.append("== threads of ").append(p.pid()).append('\n').append(new String(dump, StandardCharsets.UTF_8));
            } catch (IOException e) {
                b.append("(no thread dump of ").append(p.pid()).append(": ").append(e).append(")\n");
            }
        }
        return b.toString();
    }

    private static List<String[]> rows(Path metrics) throws IOException {
        return Files.readAllLines(metrics, StandardCharsets.UTF_8).stream().skip(1).map(l -> l.split(",", -1)).toList();
    }

    /**
     * On a delta downlink (docs/compression.md): after the first round the tasks go out without
     * the model, followed by the logged changes, and the client nodes rebuild it.
     */
    @Test
    void serverAndThreeClientNodes_noFaults_deltaDownlink_sameMetricsAndModelAsTheSimulation() throws Exception {
        Path parts = partition(4);
        int port = freePort();
        String[] settings = cluster(port, "fedsub.downlink.mode=delta");
        Path out = tmp.resolve("cluster");
        Process server = start("server", concat(new String[] {"server", parts.resolve("config.conf").toString(),
                "--out", out.toString()}, settings));
        List<Process> clients = List.of(client(parts, "0,1", settings), client(parts, "2,3", settings),
                client(parts, "4,5", settings));
        // The simulation of the same config, in this JVM, while the nodes start.
        Path simulated = tmp.resolve("simulated");
        Cli.Result sim = Cli.run("run", parts.resolve("config.conf").toString(), "--set", "fedsub.runtime=actors",
                "--set", "fedsub.downlink.mode=delta", "--out", simulated.toString());
        assertEquals(0, sim.code(), sim.err());
        awaitExit(server, "the server");
        assertEquals(0, server.exitValue(), logs());
        for (Process c : clients) {
            awaitExit(c, "a client node");
            assertEquals(0, c.exitValue(), "a client node exits 0 once the server has left:\n" + logs());
        }

        List<String> header = List.of(Files.readAllLines(out.resolve("metrics.csv")).get(0).split(","));
        assertEquals(header, List.of(Files.readAllLines(simulated.resolve("metrics.csv")).get(0).split(",")));
        List<String[]> expected = rows(simulated.resolve("metrics.csv"));
        List<String[]> actual = rows(out.resolve("metrics.csv"));
        assertEquals(4, actual.size(), logs());
        int trainLoss = header.indexOf("train_loss");
        for (int r = 0; r < expected.size(); r++) {
            for (int c = 0; c < header.size(); c++) {
                if (c == trainLoss) {
                    // The server holds no training rows: no global train loss on a cluster.
                    assertEquals("NaN", actual.get(r)[c]);
                    continue;
                }
                assertEquals(expected.get(r)[c], actual.get(r)[c], "round " + (r + 1) + ", " + header.get(c));
            }
        }
        assertEquals(Npz.read(simulated.resolve("model.npz")).arrays(), Npz.read(out.resolve("model.npz")).arrays(),
                "the final model, bit for bit");
        int downlink = header.indexOf("downlink_bytes");
        for (int r = 1; r < actual.size(); r++) {
            assertTrue(Long.parseLong(actual.get(r)[downlink]) < Long.parseLong(actual.get(0)[downlink]),
                    "round " + (r + 1) + " sent no models, the first sent every client one");
        }
    }

    @Test
    void clientNodeKilledMidRun_runCompletes_andTheRestartedNodeIsSampledAgainWithItsSavedDuals() throws Exception {
        int rounds = 24;
        Path parts = partition(rounds);
        int port = freePort();
        // Each round takes ~0.4 s of held replies, so that the kill lands mid-run; every round needs
        // all six clients, so the rounds after the kill wait (bounded) for the restarted node.
        // A round deadline far beyond this test's waits: the round the kill interrupts ends only
        // because the downed node's clients are reported gone (DeathWatch), never by its deadline.
        String[] settings = cluster(port, "fedsub.actors.clients.step-seconds=0.1",
                "fedsub.cluster.min-clients-timeout=200s", "fedsub.actors.round-deadline=1h");
        Path out = tmp.resolve("cluster");
        Process server = start("server", concat(new String[] {"server", parts.resolve("config.conf").toString(),
                "--out", out.toString()}, settings));
        client(parts, "0,1", settings);
        Process victim = client(parts, "2,3", settings);
        client(parts, "4,5", settings);
        // The clean run of the same experiment, in this JVM, while the nodes start.
        Path clean = tmp.resolve("clean");
        Cli.Result sim = Cli.run("run", parts.resolve("config.conf").toString(), "--set", "fedsub.runtime=actors",
                "--out", clean.toString());
        assertEquals(0, sim.code(), sim.err());

        Path metrics = out.resolve("metrics.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!Files.exists(metrics) || Files.readAllLines(metrics).size() < 1 + 3) {
            assertTrue(server.isAlive() && System.nanoTime() < deadline, "3 rounds within " + WAIT_SECONDS + " s:\n"
                    + logs());
            Thread.sleep(50);
        }
        victim.destroyForcibly(); // kill -9
        assertTrue(victim.waitFor(60, TimeUnit.SECONDS));
        assertTrue(server.isAlive(), "the run was still going when the node was killed:\n" + logs());

        // The split brain resolver downs the node, DeathWatch fires, its clients leave the pool.
        while (!log("server").contains("client 2 is gone") || !log("server").contains("client 3 is gone")) {
            assertTrue(server.isAlive() && System.nanoTime() < deadline, "the server notices the lost node:\n"
                    + logs());
            Thread.sleep(100);
        }

        Process restarted = client(parts, "2,3", settings);
        awaitExit(server, "the server");
        assertEquals(0, server.exitValue(), logs());
        awaitExit(restarted, "the restarted client node");
        assertEquals(0, restarted.exitValue(), logs());

        List<String[]> rows = rows(metrics);
        assertEquals(rounds, rows.size(), "every round ran:\n" + logs());
        // Only the restarted process hosts clients 2 and 3 now: the last round used them.
        assertEquals("6", rows.get(rounds - 1)[2], "the last round used every client:\n" + logs());
        assertTrue(log("server").contains("waiting for clients"), log("server"));
        String restartedLog = logs();
        assertTrue(restartedLog.contains("restored the saved state of clients [2, 3]"), restartedLog);
        assertTrue(Files.isRegularFile(tmp.resolve("state-2_3").resolve("client-3.state")));
        double accuracy = Double.parseDouble(rows.get(rounds - 1)[ACCURACY]);
        double cleanAccuracy = Double.parseDouble(rows(clean.resolve("metrics.csv")).get(rounds - 1)[ACCURACY]);
        // The test set has 24 rows, so one example is 4.2 points: "within 1 point" of the clean
        // run can only mean the same hits give or take one example.
        assertTrue(Math.abs(accuracy - cleanAccuracy) <= 1.0 / 24 + 1e-9, "final test accuracy " + accuracy
                + " within one test example (1 of 24) of the clean run's " + cleanAccuracy + ":\n" + logs());
    }

    /** metrics.csv's test_accuracy column. */
    private static final int ACCURACY = 7;

    @Test
    void serverKilledMidRun_restartedWithResume_everyRoundOnce_andTheModelOfTheUninterruptedRun() throws Exception {
        int rounds = 60;
        Path parts = partition(rounds);
        int port = freePort();
        // Synchronous rounds on the virtual clock (0.4 simulated seconds a round): each round waits
        // for every client's answer and cuts at a simulated deadline none reaches, so the rounds
        // are those of the simulation whatever the timing. Enough rounds that the kill lands mid-run.
        String[] model = {"fedsub.actors.clock=virtual", "fedsub.actors.clients.step-seconds=0.1",
            "fedsub.actors.round-deadline=1h"};
        String[] settings = cluster(port, concat(model, "fedsub.cluster.min-clients-timeout=200s",
                "fedsub.cluster.server-lost-timeout=200s"));
        Path out = tmp.resolve("cluster");
        String[] serverArgs = concat(new String[] {"server", parts.resolve("config.conf").toString()}, settings);
        Process server = start("server", concat(serverArgs, "--out", out.toString()));
        List<Process> clients = List.of(client(parts, "0,1", settings), client(parts, "2,3", settings),
                client(parts, "4,5", settings));
        // The uninterrupted run of the same experiment, in this JVM, while the nodes start.
        Path simulated = tmp.resolve("simulated");
        List<String> simArgs = new ArrayList<>(List.of("run", parts.resolve("config.conf").toString(), "--set",
                "fedsub.runtime=actors", "--out", simulated.toString()));
        for (String m : model) {
            simArgs.add("--set");
            simArgs.add(m);
        }
        Cli.Result sim = Cli.run(simArgs.toArray(new String[0]));
        assertEquals(0, sim.code(), sim.err());

        Path metrics = out.resolve("metrics.csv");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!Files.exists(metrics) || Files.readAllLines(metrics).size() < 1 + 3) {
            assertTrue(server.isAlive() && System.nanoTime() < deadline, "3 rounds within " + WAIT_SECONDS + " s:\n"
                    + logs());
            Thread.sleep(50);
        }
        server.destroyForcibly(); // kill -9
        assertTrue(server.waitFor(60, TimeUnit.SECONDS));
        int before = Files.readAllLines(metrics).size() - 1;
        assertTrue(before < rounds, "the run was still going when the server was killed:\n" + logs());
        assertTrue(Files.isRegularFile(out.resolve("checkpoint.bin")), "a checkpoint after every round");

        Process resumed = start("server-resumed", concat(serverArgs, "--resume", out.toString()));
        awaitExit(resumed, "the resumed server");
        if (resumed.exitValue() != 0) {
            fail("the resumed server failed:\n" + logs() + threadDumps());
        }
        for (Process c : clients) {
            awaitExit(c, "a client node");
            assertEquals(0, c.exitValue(), "a client node outlives the server's loss and exits 0 at the end:\n"
                    + logs());
        }
        assertTrue(log("server-resumed").contains("resuming at round"), log("server-resumed"));
        assertTrue(logs().contains("lost the server"), logs());

        List<String[]> actual = rows(metrics);
        List<String[]> expected = rows(simulated.resolve("metrics.csv"));
        assertEquals(rounds, actual.size(), "every round once:\n" + logs());
        List<String> header = List.of(Files.readAllLines(metrics).get(0).split(","));
        int trainLoss = header.indexOf("train_loss");
        for (int r = 0; r < rounds; r++) {
            assertEquals(String.valueOf(r + 1), actual.get(r)[0], "round " + (r + 1) + " in its place:\n" + logs());
            for (int c = 0; c < header.size(); c++) {
                if (c != trainLoss) {
                    assertEquals(expected.get(r)[c], actual.get(r)[c], "round " + (r + 1) + ", " + header.get(c)
                            + " (killed after " + before + " rounds)");
                }
            }
        }
        assertEquals(Npz.read(simulated.resolve("model.npz")).arrays(), Npz.read(out.resolve("model.npz")).arrays(),
                "the final model, bit for bit (killed after " + before + " rounds)");
    }
}
