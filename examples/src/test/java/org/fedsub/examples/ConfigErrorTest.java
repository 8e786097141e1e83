package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every mistake found before a run: one line on stderr, exit code 2, nothing written. */
class ConfigErrorTest {

    @TempDir
    Path tmp;

    private Cli.Result runExpectingFailure(Path conf, String... more) {
        Path out = tmp.resolve("out");
        String[] args = new String[4 + more.length];
        args[0] = "run";
        args[1] = conf.toString();
        System.arraycopy(more, 0, args, 2, more.length);
        args[2 + more.length] = "--out";
        args[3 + more.length] = out.toString();
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.code(), r.err());
        assertFalse(Files.exists(out), "nothing is started on a config error");
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        return r;
    }

    @Test
    void run_badValueInFile_exits2NamingFilePathValueAndWhatWouldBeRight() throws IOException {
        Path conf = Cli.write(tmp, "bad.conf", Cli.TINY.replace("name = fedsub,", "name = fedavgg,"));

        Cli.Result r = runExpectingFailure(conf);

        assertTrue(r.err().startsWith("config error in " + conf + ": fedsub.strategy.name = \"fedavgg\""), r.err());
        assertTrue(r.err().contains("expected one of"), r.err());
    }

    @Test
    void run_badValueFromSet_saysItCameFromTheCommandLine() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = runExpectingFailure(conf, "--set", "fedsub.train.lr=-1");

        assertTrue(r.err().contains("fedsub.train.lr = -1"), r.err());
        assertTrue(r.err().contains("expected a finite number > 0"), r.err());
        assertTrue(r.err().contains("(from --set fedsub.train.lr=-1)"), r.err());
    }

    @Test
    void run_keysOutsideFedsub_areRefused_notSilentlyIgnored() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result rounds = runExpectingFailure(conf, "--set", "rounds=5");
        Cli.Result foo = runExpectingFailure(conf, "--set", "foo.bar=1");

        assertTrue(rounds.err().contains("rounds") && rounds.err().contains("did you mean fedsub.rounds?"),
                rounds.err());
        assertTrue(foo.err().contains("foo") && foo.err().contains("unknown key"), foo.err());
    }

    @Test
    void run_moreClientsPerRoundThanTheDataHas_isAConfigError_notClampedSilently() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = runExpectingFailure(conf, "--set", "fedsub.participation.clients-per-round=1000");

        assertTrue(r.err().contains("fedsub.participation.clients-per-round = 1000"), r.err());
        assertTrue(r.err().contains("has only"), r.err());
    }

    @Test
    void run_aMisspeltRoot_isRefused_notReplacedByTheDefaults() throws IOException {
        assertTrue(Cli.TINY.startsWith("fedsub {"), "the tiny config's root is fedsub");
        Path conf = Cli.write(tmp, "root.conf", "fedsubb" + Cli.TINY.substring("fedsub".length()));

        Cli.Result r = runExpectingFailure(conf);

        assertTrue(r.err().contains("fedsubb") && r.err().contains("did you mean fedsub?"), r.err());
    }

    @Test
    void run_unknownKey_isRefusedWithASuggestion() throws IOException {
        Path conf = Cli.write(tmp, "typo.conf", Cli.TINY.replace("local-steps = 2", "local-step = 2"));

        Cli.Result r = runExpectingFailure(conf);

        assertTrue(r.err().contains("fedsub.train.local-step: unknown key; did you mean fedsub.train.local-steps?"),
                r.err());
    }

    @Test
    void run_wrongType_namesThePath() throws IOException {
        Path conf = Cli.write(tmp, "type.conf", Cli.TINY.replace("rounds = 3", "rounds = many"));

        Cli.Result r = runExpectingFailure(conf);

        assertTrue(r.err().contains("fedsub.rounds = \"many\": expected an integer"), r.err());
    }

    @Test
    void run_fedsubRankAboveALayersSize_isFoundBeforeAnythingStarts() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = runExpectingFailure(conf, "--set", "fedsub.strategy.fedsub.rank=100");

        assertTrue(r.err().contains("fedsub.strategy.fedsub.rank = 100"), r.err());
    }

    @Test
    void run_syntaxError_namesTheLine() throws IOException {
        Path conf = Cli.write(tmp, "syntax.conf", "fedsub {\n  rounds = 3\n");

        Cli.Result r = runExpectingFailure(conf);

        assertTrue(r.err().startsWith("config error in " + conf + ": line "), r.err());
    }

    @Test
    void run_missingFile_saysSo() {
        Cli.Result r = runExpectingFailure(tmp.resolve("nope.conf"));

        assertTrue(r.err().contains("no such file: " + tmp.resolve("nope.conf")), r.err());
    }

    @Test
    void run_unknownKeyFromSet_suggestsTheNearestKnownKey() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = runExpectingFailure(conf, "--set", "fedsub.round=5");

        assertTrue(r.err().contains("fedsub.round: unknown key; did you mean fedsub.rounds?"), r.err());
    }

    @Test
    void run_unparsableSet_isOneLine_noStackTrace() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result brace = runExpectingFailure(conf, "--set", "fedsub.train={");
        Cli.Result list = runExpectingFailure(conf, "--set", "fedsub.model.hidden=[4,");

        assertTrue(brace.err().contains("--set fedsub.train={: the value { is not valid HOCON"), brace.err());
        assertTrue(list.err().contains("fedsub.model.hidden") && list.err().contains("not valid HOCON"), list.err());
    }

    @Test
    void run_aValueWhereABlockBelongs_namesTheKeyAndTheValue() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result set = runExpectingFailure(conf, "--set", "fedsub.train=5");
        Cli.Result file = runExpectingFailure(Cli.write(tmp, "block.conf", Cli.TINY + "fedsub.data = mnist\n"));

        assertTrue(set.err().contains("fedsub.train = 5: expected a block of keys"), set.err());
        assertTrue(file.err().contains("fedsub.data = \"mnist\": expected a block of keys"), file.err());
    }

    @Test
    void run_intKeyBeyondTheIntRange_namesTheRange() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = runExpectingFailure(conf, "--set", "fedsub.data.synthetic.users=1e10");

        assertTrue(r.err().contains("fedsub.data.synthetic.users = 10000000000: expected an integer from "
                + "-2147483648 to 2147483647"), r.err());
    }

    @Test
    void run_dataTooLargeForOneArray_isAConfigError_notAnOutOfMemoryError() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result users = runExpectingFailure(conf, "--set", "fedsub.data.synthetic.users=1e9");
        Cli.Result dim = runExpectingFailure(conf, "--set", "fedsub.data.synthetic.dim=100000000");

        assertTrue(users.err().contains("fedsub.data.synthetic.users = 1000000000: the generated features"), users.err());
        assertTrue(users.err().contains("more than one Java array holds (2147483639)"), users.err());
        assertTrue(dim.err().contains("fedsub.data.synthetic.dim = 100000000: "), dim.err());
    }

    @Test
    void run_dataTooLargeForTheHeap_namesTheHeapLimit() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        String heap = String.format(java.util.Locale.ROOT, "%.1f GiB", Runtime.getRuntime().maxMemory() / 1073741824.0);

        // 700,000 users x >= 30 examples x 100 features, in doubles twice: at least 31 GiB.
        Cli.Result r = runExpectingFailure(conf, "--set", "fedsub.data.synthetic.users=700000", "--set",
                "fedsub.data.synthetic.dim=100");

        assertTrue(r.err().contains("fedsub.data.synthetic.users = 700000: generating the data needs at least "),
                r.err());
        assertTrue(r.err().contains("of heap") && r.err().contains("more than the " + heap + " this JVM may use (-Xmx"),
                r.err());
    }

    @Test
    void run_leastSquaresTooLarge_namesTheKey() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = runExpectingFailure(conf, "--set", "fedsub.data.type=least-squares", "--set",
                "fedsub.data.partition.type=natural", "--set", "fedsub.model.type=linear", "--set",
                "fedsub.data.least-squares.rows-per-client=100000000");

        assertTrue(r.err().contains("fedsub.data.least-squares.rows-per-client = 100000000: the features"), r.err());
    }

    @Test
    void run_hiddenLayerTooWide_isAConfigError_notAnOverflow() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = runExpectingFailure(conf, "--set", "fedsub.model.type=mlp", "--set",
                "fedsub.model.hidden=[1000000000]");

        assertTrue(r.err().contains("fedsub.model.hidden = [1000000000]: the model mlp[12-1000000000-3] has "
                + "16,000,000,003 parameters; its tensor fc1.weight [12 x 1000000000]"), r.err());
        assertTrue(r.err().contains("more than one Java array holds"), r.err());
    }

    @Test
    void run_modelTooLargeForTheMemory_namesTheKeyAndTheLimit() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        // 12 x 100,000,000 weights: 9.6 GB of doubles to draw them.
        Cli.Result mlp = runExpectingFailure(conf, "--set", "fedsub.model.type=mlp", "--set",
                "fedsub.model.hidden=[100000000]");
        // The tiny data's 12 features as a 1 x 3 x 4 image; conv1 is [1 x 3 x 3, 200,000,000]: 14 GB of doubles.
        Cli.Result cnn = runExpectingFailure(conf, "--set", "fedsub.model.type=cnn", "--set",
                "fedsub.model.cnn={ input-channels = 1, height = 3, width = 4, kernel = 3, stride = 3, padding = 0, "
                        + "channels = [200000000] }");

        assertTrue(mlp.err().contains("fedsub.model.hidden = [100000000]: the model mlp[12-100000000-3]"), mlp.err());
        assertTrue(mlp.err().contains("of heap, more than the "), mlp.err());
        assertTrue(cnn.err().contains("fedsub.model.cnn.channels = [200000000]: the model cnn"), cnn.err());
        assertTrue(cnn.err().contains("of heap, more than the "), cnn.err());
    }

    @Test
    void run_badCommandLine_exits2WithUsageHint() {
        Cli.Result noFile = Cli.run("run");
        Cli.Result badOption = Cli.run("run", "x.conf", "--sett", "a=b");
        Cli.Result badCommand = Cli.run("rnu", "x.conf");

        assertEquals(2, noFile.code());
        assertTrue(noFile.err().contains("run needs a config file"), noFile.err());
        assertEquals(2, badOption.code());
        assertTrue(badOption.err().contains("unknown option '--sett'"), badOption.err());
        assertEquals(2, badCommand.code());
        assertTrue(badCommand.err().contains("unknown command 'rnu'"), badCommand.err());
    }

    @Test
    void help_mainAndEachCommand_explainCommandsAndOptions() {
        Cli.Result main = Cli.run("--help");
        Cli.Result run = Cli.run("run", "--help");
        Cli.Result compare = Cli.run("compare", "--help");

        assertEquals(0, main.code());
        assertTrue(main.out().contains("compare <conf-file>") && main.out().contains("example <name>"), main.out());
        assertEquals(0, run.code());
        assertTrue(run.out().contains("--set key=value") && run.out().contains("--out DIR"), run.out());
        assertEquals(0, compare.code());
        assertTrue(compare.out().contains("fedsub.compare"), compare.out());
    }
}
