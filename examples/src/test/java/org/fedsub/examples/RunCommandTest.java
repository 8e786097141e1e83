package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path tmp;

    @Test
    void aRunWhoseUpdatesAreAllNonFinite_stopsWithExit1_namingTheLikelyCause() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = Cli.run("run", conf.toString(), "--out", tmp.resolve("out").toString(), "--threads", "1",
                "--set", "fedsub.rounds=20", "--set", "fedsub.train.lr=1e30", "--set", "fedsub.max-idle-rounds=2");

        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("no update was used in the last 2 rounds"), r.err());
        assertTrue(r.err().contains("lower the learning rate"), r.err());
    }

    @Test
    void run_tinyConfig_writesEveryResultFileAndTheyParse() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = tmp.resolve("out");

        Cli.Result r = Cli.run("run", conf.toString(), "--out", out.toString(), "--threads", "1");

        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("final test accuracy"), r.out());
        Config rerun = ConfigFactory.parseFile(out.resolve("config.conf").toFile());
        assertEquals(3, rerun.getInt("fedsub.rounds"));
        assertEquals("fedsub", rerun.getString("fedsub.strategy.name"));

        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals("round,sampled,used,failed,client_loss,train_loss,test_loss,test_accuracy,uplink_bytes,"
                + "downlink_bytes,max_client_uplink,cum_uplink_bytes,cum_downlink_bytes,virtual_seconds,refused", csv.get(0));
        assertEquals(4, csv.size(), "header and one row per round");
        for (int i = 1; i < csv.size(); i++) {
            String[] cells = csv.get(i).split(",", -1);
            assertEquals(15, cells.length, csv.get(i));
            assertEquals(i, Integer.parseInt(cells[0]), "rounds count from 1");
            double accuracy = Double.parseDouble(cells[7]);
            assertTrue(accuracy >= 0 && accuracy <= 1, csv.get(i));
            assertTrue(Long.parseLong(cells[8]) > 0, "uplink bytes");
        }
        assertFalse(csv.get(0).contains("wall"), "wall time is not deterministic and stays out of metrics.csv");

        List<String> timing = Files.readAllLines(out.resolve("timing.csv"));
        assertEquals("round,wall_millis,cum_wall_seconds,elapsed_seconds", timing.get(0));
        assertEquals(4, timing.size());

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) MiniJson.parse(Files.readString(out.resolve("metrics.json")));
        assertEquals("tiny", json.get("experiment"));
        List<?> rounds = (List<?>) json.get("rounds");
        assertEquals(3, rounds.size());
        Map<?, ?> last = (Map<?, ?>) rounds.get(2);
        for (String field : List.of("round", "sampled", "used", "failed", "client_loss", "train_loss", "test_loss",
                "test_accuracy", "uplink_bytes", "downlink_bytes", "max_client_uplink", "wall_millis",
                "virtual_seconds")) {
            assertTrue(last.containsKey(field), "metrics.json round has " + field);
        }
        Map<?, ?> summary = (Map<?, ?>) json.get("summary");
        assertEquals(Double.parseDouble(csv.get(3).split(",")[11]), (Double) summary.get("total_uplink_bytes"));

        for (String png : List.of("accuracy_vs_round.png", "accuracy_vs_uplink_bytes.png", "accuracy_vs_time.png",
                "loss_vs_round.png")) {
            byte[] bytes = Files.readAllBytes(out.resolve(png));
            assertTrue(bytes.length > 1000, png + " has a picture in it");
            assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, 8), png + " is a PNG");
        }
    }

    @Test
    void run_sameConfigAndSeedTwice_metricsCsvIsByteIdentical() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");

        // Different thread counts too: the engine consumes client results in id order.
        assertEquals(0, Cli.run("run", conf.toString(), "--out", a.toString(), "--threads", "1").code());
        assertEquals(0, Cli.run("run", conf.toString(), "--out", b.toString(), "--threads", "2").code());

        assertArrayEquals(Files.readAllBytes(a.resolve("metrics.csv")), Files.readAllBytes(b.resolve("metrics.csv")));
    }

    @Test
    void check_tinyConfig_printsTheSettingsAndOkWithoutTraining() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);

        Cli.Result r = Cli.run("check", conf.toString(), "--set", "fedsub.rounds=9");

        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("rounds=9") && r.out().contains("ok: tiny: fedsub on synthetic"), r.out());
    }

    @Test
    void run_withSet_overridesTheFileWithHoconTypedValues() throws IOException {
        Path conf = Cli.write(tmp, "tiny.conf", Cli.TINY);
        Path out = tmp.resolve("out");

        Cli.Result r = Cli.run("run", conf.toString(), "--set", "fedsub.rounds=2", "--set=fedsub.model.type=mlp",
                "-s", "fedsub.model.hidden=[4, 3]", "--set", "fedsub.train.lr=1e-2", "--out", out.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size(), "header and two rounds");
        Config used = ConfigFactory.parseFile(out.resolve("config.conf").toFile());
        assertEquals(List.of(4, 3), used.getIntList("fedsub.model.hidden"));
        assertEquals(0.01, used.getDouble("fedsub.train.lr"));
        assertTrue(r.out().contains("mlp[12-4-3-3]"), r.out());
    }
}
