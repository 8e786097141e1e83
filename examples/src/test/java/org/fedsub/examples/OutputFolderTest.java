package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --out DIR}: never onto a folder with something in it, unless --overwrite, and then only a results folder. */
class OutputFolderTest {

    @TempDir
    Path tmp;

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p) + (Files.isRegularFile(p) ? " " + p.toFile().length() : "")).sorted()
                    .toList();
        }
    }

    private static void assertOneLineRefusal(Cli.Result r, String... mentions) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), "'" + r.err().strip() + "' should mention '" + m + "'");
        }
    }

    @Test
    void out_existingFolderWithFiles_isRefusedAndLeftAsItWas() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(out.resolve("notes.txt"), "keep me");
        List<String> before = listing(out);

        Cli.Result r = Cli.run("run", conf.toString(), "--out", out.toString());
        Cli.Result compare = Cli.run("compare", conf.toString(), "--out", out.toString());

        assertOneLineRefusal(r, "--out " + out, "not empty", "notes.txt", "--overwrite");
        assertOneLineRefusal(compare, "--out " + out);
        assertEquals(before, listing(out));
        assertEquals("keep me", Files.readString(out.resolve("notes.txt")));
    }

    @Test
    void out_earlierResultsFolder_isRefusedWithoutOverwrite_andEmptiedWithIt() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = tmp.resolve("out");
        assertEquals(0, Cli.run("run", conf.toString(), "--out", out.toString(), "--threads", "1").code());
        Files.writeString(out.resolve("stale_plot.png"), "from another run");
        List<String> before = listing(out);

        Cli.Result refused = Cli.run("run", conf.toString(), "--out", out.toString(), "--set", "fedsub.rounds=2");
        assertOneLineRefusal(refused, "--out " + out, "--overwrite");
        assertEquals(before, listing(out), "nothing changed");

        Cli.Result again = Cli.run("run", conf.toString(), "--out", out.toString(), "--set", "fedsub.rounds=2",
                "--overwrite", "--threads", "1");
        assertEquals(0, again.code(), again.err());
        assertFalse(Files.exists(out.resolve("stale_plot.png")), "emptied first: no file of the old run is left");
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size(), "the new run's two rounds");
    }

    @Test
    void overwrite_folderThatIsNoResultsFolder_isRefused_notEmptied() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(out.resolve("Main.java"), "class Main {}");

        Cli.Result r = Cli.run("run", conf.toString(), "--out", out.toString(), "--overwrite");

        assertOneLineRefusal(r, "--out " + out + " --overwrite", "not a fedsub results folder");
        assertEquals("class Main {}", Files.readString(out.resolve("Main.java")));
    }

    @Test
    void out_existingEmptyFolder_isUsed() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = Files.createDirectories(tmp.resolve("empty"));

        Cli.Result r = Cli.run("run", conf.toString(), "--out", out.toString(), "--threads", "1");

        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("metrics.csv")));
    }

    @Test
    void overwrite_withABadConfig_changesNothing() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = tmp.resolve("out");
        assertEquals(0, Cli.run("run", conf.toString(), "--out", out.toString(), "--threads", "1").code());
        List<String> before = listing(out);

        Cli.Result r = Cli.run("run", conf.toString(), "--out", out.toString(), "--overwrite", "--set",
                "fedsub.train.lr=-1");

        assertEquals(2, r.code(), r.err());
        assertEquals(before, listing(out), "the old results stay until the new run can start");
    }

    @Test
    void overwrite_withoutOut_isAUsageError() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = Cli.run("run", conf.toString(), "--overwrite");

        assertEquals(2, r.code());
        assertTrue(r.err().contains("--overwrite goes with --out DIR"), r.err());
    }
}
