package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad data files of your own (CSV, NumPy, per-client folders) are found by {@code fedsub check}
 * and {@code fedsub run} before anything starts: one line naming the key, the file, the line and
 * column (or array) and the problem, exit code 2, nothing written.
 */
class DataConfigErrorTest {

    /** The repository's CSV example, run from examples/ (its data paths are relative to the repository root). */
    private static final String[] EXAMPLE = {"../conf/csv-example.conf",
        "--set", "fedsub.data.csv.train=../data/examples/blobs-train.csv",
        "--set", "fedsub.data.csv.test=../data/examples/blobs-test.csv"};

    @TempDir
    Path tmp;

    private Path conf(String data) throws IOException {
        return Cli.write(tmp, "own.conf", """
                fedsub {
                  name = own
                  rounds = 2
                  data { %s }
                  model.type = logreg
                  participation.clients-per-round = 2
                  train { local-steps = 2, batch-size = 5, lr = 0.05 }
                }
                """.formatted(data));
    }

    private Cli.Result fails(String command, Path conf, String... more) {
        Path out = tmp.resolve("out");
        String[] args = new String[4 + more.length];
        args[0] = command;
        args[1] = conf.toString();
        System.arraycopy(more, 0, args, 2, more.length);
        args[2 + more.length] = "--out";
        args[3 + more.length] = out.toString();
        Cli.Result r = Cli.run(command.equals("check") ? java.util.Arrays.copyOf(args, 2 + more.length) : args);
        assertEquals(2, r.code(), r.err());
        assertFalse(Files.exists(out), "nothing is started on a config error");
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        return r;
    }

    private String csv(Path train, Path test) {
        return "type = csv, csv { train = \"" + train + "\", test = \"" + test + "\" }, partition { type = iid,"
                + " clients = 2 }";
    }

    @Test
    void check_nonNumericCell_namesKeyFileLineAndColumn() throws IOException {
        Path train = Cli.write(tmp, "train.csv", "a,b,label\n1,2,0\n3,abc,1\n");
        Path test = Cli.write(tmp, "test.csv", "1,2,0\n");
        Path conf = conf(csv(train, test));

        Cli.Result r = fails("check", conf);

        assertEquals("config error in " + conf + ": fedsub.data.csv.train: " + train + ": line 3, column 2: \"abc\" is"
                + " not a number", r.err().strip());
    }

    @Test
    void run_badTestFile_stopsBeforeTheRunStarts() throws IOException {
        Path train = Cli.write(tmp, "train.csv", "1,2,0\n3,4,1\n");
        Path test = Cli.write(tmp, "test.csv", "1,2,0\n3,4\n");

        Cli.Result r = fails("run", conf(csv(train, test)));

        assertTrue(r.err().contains("fedsub.data.csv.test: " + test + ": line 2: 2 cells but line 1 has 3"), r.err());
    }

    @Test
    void run_binaryFileAsCsv_isOneLine() throws IOException {
        byte[] junk = new byte[2000];
        new Random(5).nextBytes(junk);
        Path bin = tmp.resolve("model.bin");
        Files.write(bin, junk);
        Path test = Cli.write(tmp, "test.csv", "1,2,0\n");

        Cli.Result r = fails("run", conf(csv(bin, test)));

        assertTrue(r.err().contains("fedsub.data.csv.train: " + bin + ": line "), r.err());
    }

    @Test
    void set_labelColumnTheFileLacks_blamesTheOptionAndSaysItCameFromSet() {
        Cli.Result r = fails("check", Path.of(EXAMPLE[0]), EXAMPLE[1], EXAMPLE[2], EXAMPLE[3], EXAMPLE[4],
                "--set", "fedsub.data.csv.label=target");

        assertTrue(r.err().contains("fedsub.data.csv.label: ../data/examples/blobs-train.csv: line 1: no column"
                + " named \"target\" in the header; it has \"class\", \"x1\"") && r.err().contains(
                        "(from --set fedsub.data.csv.label=target)"), r.err());
    }

    @Test
    void folders_emptyClientFolder_andMissingDirectory_areOneLine() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("clients"));
        Cli.write(Files.createDirectories(dir.resolve("client-0")), "train.csv", "1,2,0\n3,4,1\n");
        Files.createDirectories(dir.resolve("client-1"));
        Cli.write(dir, "test.csv", "1,2,0\n");

        Cli.Result empty = fails("check", conf("type = folders, folders.dir = \"" + dir + "\""));
        Cli.Result missing = fails("check", conf("type = folders, folders.dir = \"" + tmp.resolve("nope") + "\""));

        assertTrue(empty.err().contains("fedsub.data.folders.dir: " + dir.resolve("client-1") + ": no train.csv in"
                + " this client folder"), empty.err());
        assertTrue(missing.err().contains("fedsub.data.folders.dir: " + tmp.resolve("nope") + ": no such directory"),
                missing.err());
    }

    @Test
    void npy_corruptArchive_isOneLineNamingTheFile() throws IOException {
        Path npz = tmp.resolve("data.npz");
        Files.write(npz, new byte[] {'P', 'K', 3, 4, 0, 0, 0});

        Cli.Result r = fails("check", conf("type = npy, npy.archive = \"" + npz + "\", partition.type = iid"));

        assertTrue(r.err().contains("fedsub.data.npy.archive: " + npz), r.err());
    }

    @Test
    void csvExample_runsFromAFreshCheckout_andLearns() throws IOException {
        Path out = tmp.resolve("run");
        String[] args = new String[EXAMPLE.length + 5];
        args[0] = "run";
        System.arraycopy(EXAMPLE, 0, args, 1, EXAMPLE.length);
        args[EXAMPLE.length + 1] = "--set";
        args[EXAMPLE.length + 2] = "fedsub.rounds=10";
        args[EXAMPLE.length + 3] = "--out";
        args[EXAMPLE.length + 4] = out.toString();

        Cli.Result r = Cli.run(args);

        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out.resolve("metrics.csv")), "metrics written");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("final test accuracy ([0-9.]+)%").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) > 60, "three classes, chance is 33%: " + r.out());
    }
}
