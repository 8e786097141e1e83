package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fedsub server} and {@code fedsub client} refuse what cannot work in one line, before a
 * node starts (exit 2), or end in bounded time when the server cannot be reached (exit 1).
 */
class ClusterCommandTest {

    @TempDir
    Path tmp;

    private Path parts;

    @BeforeEach
    void partition() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        parts = tmp.resolve("parts");
        Cli.Result r = Cli.run("partition", conf.toString(), "--out", parts.toString());
        assertEquals(0, r.code(), r.err());
        List<String> manifest = Files.readAllLines(parts.resolve("clients.csv"));
        assertEquals("client,folder,examples", manifest.get(0));
        assertEquals(6, manifest.size(), "a line per client: " + manifest);
        assertTrue(manifest.get(1).startsWith("0,client-0,"), manifest.get(1));
    }

    private String conf() {
        return parts.resolve("config.conf").toString();
    }

    private static void assertOneLine(Cli.Result r, int code, String... parts) {
        assertEquals(code, r.code(), r.out() + r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "'" + p + "' in: " + r.err());
        }
        assertTrue(r.err().strip().lines().count() <= 2, "one line (and the usage hint): " + r.err());
    }

    @Test
    void client_badIdsOrMissingShards_refusedInOneLine() throws IOException {
        assertOneLine(Cli.run("client", conf(), "--data", parts.toString()), 2, "client needs --clients");
        assertOneLine(Cli.run("client", conf(), "--clients", "0"), 2, "client needs --data DIR");
        assertOneLine(Cli.run("client", conf(), "--clients", "a", "--data", parts.toString()), 2, "'a' is not a client id");
        assertOneLine(Cli.run("client", conf(), "--clients", "1,7", "--data", parts.toString()), 2,
                "--clients: client id out of range", "lists 5 clients (ids 0 to 4)");
        try (var files = Files.walk(parts.resolve("client-3"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        assertOneLine(Cli.run("client", conf(), "--clients", "2-3", "--data", parts.toString()), 2,
                "client 3's shard is missing", "no folder client-3");
    }

    @Test
    void server_withoutNodesOrOpen_refusedInOneLine() {
        assertOneLine(Cli.run("server", conf(), "--out", tmp.resolve("out").toString()), 2, "fedsub.cluster.nodes",
                "fedsub.cluster.open = true");
        assertOneLine(Cli.run("server", conf(), "--set", "fedsub.cluster.nodes.a={ credential = \"12345678\", "
                + "clients = [0, 9] }"), 2, "fedsub.cluster.nodes.a.clients", "client id out of range");
        assertTrue(Files.notExists(tmp.resolve("out")), "nothing written");
    }

    @Test
    void serverResume_missingOrCorruptCheckpoint_refusedInOneLineNamingTheFile() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        String open = "fedsub.cluster.open=true";
        Path file = run.resolve("checkpoint.bin");
        assertOneLine(Cli.run("server", conf(), "--set", open, "--resume", run.toString()), 2,
                "--resume: no checkpoint " + file);
        Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17});
        assertOneLine(Cli.run("server", conf(), "--set", open, "--resume", run.toString()), 2,
                "--resume: checkpoint " + file + " is unusable: not a fedsub checkpoint");
        assertOneLine(Cli.run("server", conf(), "--set", open, "--resume", tmp.resolve("none").toString()), 2,
                "is not a folder");
        assertOneLine(Cli.run("server", conf(), "--set", open, "--resume", run.toString(), "--out", run.toString()), 2,
                "drop --out");
        assertOneLine(Cli.run("client", conf(), "--clients", "0", "--data", parts.toString(), "--resume", "x"), 2,
                "unknown option '--resume' for client");
        assertOneLine(Cli.run("server", conf(), "--set", open, "--set", "fedsub.actors.async.mode=fedbuff",
                "--resume", run.toString()), 2, "cannot be resumed yet");
    }

    @Test
    void client_unreachableServer_endsWithinTheJoinTimeout() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: no server there
        }
        Cli.Result r = Cli.run("client", conf(), "--clients", "0", "--data", parts.toString(),
                "--set", "fedsub.cluster.server.port=" + port, "--set", "fedsub.cluster.join-timeout=3s",
                "--set", "fedsub.cluster.tls.enabled=off");
        assertOneLine(r, 1, "could not join the server at pekko://fedsub@127.0.0.1:" + port + " within 3 s",
                "fedsub.cluster.join-timeout");
    }

    @Test
    void help_listsTheNodeCommands() {
        Cli.Result main = Cli.run("help");
        assertTrue(main.out().contains("server <conf-file>") && main.out().contains("client <conf-file> --clients IDS"));
        Cli.Result server = Cli.run("server", "--help");
        assertEquals(0, server.code());
        assertTrue(server.out().contains("fedsub.cluster.min-clients"), server.out());
        Cli.Result client = Cli.run("help", "client");
        assertTrue(client.out().contains("--clients IDS --data DIR"), client.out());
    }
}
