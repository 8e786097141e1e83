package org.fedsub.actors.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs scripts/make-certs.sh, as a user would, for the tests. */
final class Certificates {

    private Certificates() {}

    /** The repository's scripts/make-certs.sh (tests run in the actors module's folder). */
    static Path script() {
        Path p = Path.of("..", "scripts", "make-certs.sh").toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("scripts/make-certs.sh not found at " + p);
        }
        return p;
    }

    /** The exit code and output (stdout then stderr) of the script with {@code args}. */
    record Result(int exitCode, String output) {}

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", script().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // The keytool of the JDK running the tests first, as on a machine with only that JDK.
        pb.environment().merge("PATH", javaBin(), (path, bin) -> bin + java.io.File.pathSeparator + path);
        Process p = pb.start();
        try {
            // keytool starts a JVM per step: ~1 s each, about 9 per node, on a loaded machine more.
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("make-certs.sh did not finish within 5 minutes");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    private static Path cluster;
    private static Path otherCa;

    /**
     * A CA's node folders {@code seed} and {@code member} (the latter also for
     * member.example.org and 10.9.8.7), made once per test JVM: keytool takes seconds a node.
     */
    static synchronized Path cluster() throws IOException, InterruptedException {
        if (cluster == null) {
            cluster = make(root().resolve("cluster"), "seed", "member=member.example.org,10.9.8.7");
        }
        return cluster;
    }

    /** The node folder {@code intruder} of another CA, made once per test JVM. */
    static synchronized Path otherCa() throws IOException, InterruptedException {
        if (otherCa == null) {
            otherCa = make(root().resolve("other"), "intruder");
        }
        return otherCa;
    }

    private static Path root;

    private static Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("fedsub-certs");
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(r)));
        }
        return root;
    }

    private static void delete(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind
        }
    }

    /** The bin folder of the JDK running the tests (keytool is there). */
    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin").toString();
    }

    /** Makes {@code out} with the nodes given, failing the test if the script fails. */
    static Path make(Path out, String... nodes) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(out.toString()));
        args.addAll(List.of(nodes));
        Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), "make-certs.sh failed: " + r.output());
        return out;
    }
}
