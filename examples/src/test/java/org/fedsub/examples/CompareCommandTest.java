package org.fedsub.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareCommandTest {

    private static final String MEMBERS = """
            fedsub.compare {
              target-accuracy = 0.3
              runs = [
                { name = fedavg, set { "fedsub.strategy.name" = fedavg } }
                { name = fedsub-50, set { fedsub.strategy { name = fedsub, fedsub.rank-rate = 0.5 } } }
              ]
            }
            """;

    @TempDir
    Path tmp;

    @Test
    void compare_twoMembers_writesEachMemberAndASummaryRowPerMember() throws IOException {
        Path conf = Cli.write(tmp, "cmp.conf", Cli.TINY + MEMBERS);
        Path out = tmp.resolve("out");

        Cli.Result r = Cli.run("compare", conf.toString(), "--out", out.toString(), "--set", "fedsub.rounds=2");

        assertEquals(0, r.code(), r.err());
        List<String> md = Files.readAllLines(out.resolve("summary.md"));
        assertEquals(4, md.size(), "header, separator and one row per member: " + md);
        assertTrue(md.get(2).startsWith("| fedavg ") && md.get(3).startsWith("| fedsub-50 "), String.join("\n", md));
        assertTrue(md.get(0).contains("rounds to 30.00%"), md.get(0));
        List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(3, csv.size());
        assertTrue(csv.get(1).startsWith("fedavg,fedavg,2,") && csv.get(2).startsWith("fedsub-50,fedsub,2,"),
                String.join("\n", csv));
        for (String member : List.of("fedavg", "fedsub-50")) {
            assertEquals(3, Files.readAllLines(out.resolve(member).resolve("metrics.csv")).size(), member);
            assertEquals(member, ConfigFactory.parseFile(out.resolve(member).resolve("config.conf").toFile())
                    .getString("fedsub.name"));
        }
        for (String png : List.of("accuracy_vs_round.png", "accuracy_vs_uplink_bytes.png", "accuracy_vs_time.png",
                "loss_vs_round.png")) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
        assertTrue(r.out().contains("| fedsub-50 "), "the table is printed too: " + r.out());
    }

    @Test
    void compare_totalBytesToTarget_isUplinkPlusDownlinkAtTheFirstRoundReachingIt() throws IOException {
        Path conf = Cli.write(tmp, "cmp.conf", Cli.TINY + MEMBERS);
        Path out = tmp.resolve("out");

        Cli.Result r = Cli.run("compare", conf.toString(), "--out", out.toString(), "--set", "fedsub.rounds=3");

        assertEquals(0, r.code(), r.err());
        List<String> md = Files.readAllLines(out.resolve("summary.md"));
        assertTrue(md.get(0).contains("| uplink to 30.00% | downlink to 30.00% | total to 30.00% |")
                && md.get(0).contains("| total bytes |"), md.get(0));
        List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
        List<String> header = List.of(csv.get(0).split(",", -1));
        assertTrue(csv.get(0).endsWith(",downlink_bytes_to_target,total_bytes_to_target,total_bytes"), csv.get(0));
        for (int i = 1; i < csv.size(); i++) {
            String[] row = csv.get(i).split(",", -1);
            String member = row[0];
            List<String> metrics = Files.readAllLines(out.resolve(member).resolve("metrics.csv"));
            List<String> cols = List.of(metrics.get(0).split(","));
            String[] reached = null;
            String[] last = metrics.get(metrics.size() - 1).split(",");
            for (String line : metrics.subList(1, metrics.size())) {
                String[] cells = line.split(",");
                if (Double.parseDouble(cells[cols.indexOf("test_accuracy")]) >= 0.3) {
                    reached = cells;
                    break;
                }
            }
            assertTrue(reached != null, member + " reaches 30% in three rounds: " + String.join("\n", metrics));
            long up = Long.parseLong(reached[cols.indexOf("cum_uplink_bytes")]);
            long down = Long.parseLong(reached[cols.indexOf("cum_downlink_bytes")]);
            assertTrue(up > 0 && down > 0, member);
            assertEquals(Long.toString(up), row[header.indexOf("uplink_bytes_to_target")], member);
            assertEquals(Long.toString(down), row[header.indexOf("downlink_bytes_to_target")], member);
            assertEquals(Long.toString(up + down), row[header.indexOf("total_bytes_to_target")], member);
            assertEquals(Long.toString(Long.parseLong(last[cols.indexOf("cum_uplink_bytes")])
                    + Long.parseLong(last[cols.indexOf("cum_downlink_bytes")])), row[header.indexOf("total_bytes")],
                    member);
        }
        byte[] png = Files.readAllBytes(out.resolve("accuracy_vs_total_bytes.png"));
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a picture");
        assertTrue(Files.size(out.resolve("fedavg").resolve("accuracy_vs_total_bytes.png")) > 1000, "each member too");
    }

    @Test
    void compare_badMember_exits2NamingTheMemberBeforeAnyRunStarts() throws IOException {
        Path conf = Cli.write(tmp, "cmp.conf", Cli.TINY + MEMBERS.replace("rank-rate = 0.5", "rank-rate = 5"));
        Path out = tmp.resolve("out");

        Cli.Result r = Cli.run("compare", conf.toString(), "--out", out.toString());

        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("config error in " + conf + ": fedsub.compare.runs[1]: run 'fedsub-50': "
                + "fedsub.strategy.fedsub.rank-rate = 5"), r.err());
        assertFalse(Files.exists(out), "the first member did not start either");
    }

    @Test
    void compare_unknownKeyInMemberSet_isRefused() throws IOException {
        Path conf = Cli.write(tmp, "cmp.conf", Cli.TINY + MEMBERS.replace("\"fedsub.strategy.name\"",
                "\"fedsub.strategy.nme\""));

        Cli.Result r = Cli.run("compare", conf.toString(), "--out", tmp.resolve("out").toString());

        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("fedsub.compare.runs[0].set: fedsub.strategy.nme: unknown key; did you mean "
                + "fedsub.strategy.name?"), r.err());
    }

    @Test
    void compare_withoutRuns_exits2() throws IOException {
        Path conf = Cli.write(tmp, "cmp.conf", Cli.TINY);

        Cli.Result r = Cli.run("compare", conf.toString(), "--out", tmp.resolve("out").toString());

        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("fedsub.compare.runs = []: expected at least one run"), r.err());
    }
}
