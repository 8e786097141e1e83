package org.fedsub.runtime.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The per-client layout of a data set: a directory with one subfolder per client, each holding
 * that client's training file, and the test file at the top:
 * <pre>
 * dir/
 *   test.csv
 *   client-0/train.csv
 *   client-1/train.csv
 *   ...
 * </pre>
 * Client ids are the positions of the subfolders in {@link #ORDER}: names compared with runs of
 * digits as numbers, so {@code client-2} comes before {@code client-10}; any names will do
 * ({@code alice}, {@code bob}, ...). Subfolders whose names start with a dot are not clients, and
 * files at the top other than the test file are ignored.
 */
public final class ClientFolders {

    /**
     * The manifest {@code fedsub partition} writes next to the client folders: each client's
     * folder and example count, in client-id order ({@value #MANIFEST_HEADER}). A cluster node
     * reads it instead of the shards of the clients it does not host.
     */
    public static final String MANIFEST = "clients.csv";

    /** The header line of {@value #MANIFEST}. */
    public static final String MANIFEST_HEADER = "client,folder,examples";


    /** Names compared with runs of digits as numbers ({@code 2 < 10}), the rest character by character. */
    public static final Comparator<String> ORDER = ClientFolders::compareNatural;

    private ClientFolders() {}

    /**
     * The client subfolders of {@code dir}, in client-id order.
     *
     * @throws DataFileException when {@code dir} is not a directory or holds no client folder
     */
    public static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new DataFileException(dir, Files.exists(dir) ? "is not a directory; expected a directory of client"
                    + " folders" : "no such directory (looked for " + dir.toAbsolutePath() + ")");
        }
        List<Path> folders = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (Files.isDirectory(p) && !p.getFileName().toString().startsWith(".")) {
                    folders.add(p);
                }
            }
        }
        if (folders.isEmpty()) {
            throw new DataFileException(dir, "holds no client folders; expected one subfolder per client"
                    + " (client-0/, client-1/, ...) and the test file");
        }
        folders.sort(Comparator.comparing((Path p) -> p.getFileName().toString(), ORDER));
        return folders;
    }

    private static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (isDigit(ca) && isDigit(cb)) {
                int ei = i;
                while (ei < a.length() && isDigit(a.charAt(ei))) {
                    ei++;
                }
                int ej = j;
                while (ej < b.length() && isDigit(b.charAt(ej))) {
                    ej++;
                }
                String da = stripZeros(a.substring(i, ei));
                String db = stripZeros(b.substring(j, ej));
                int c = da.length() != db.length() ? Integer.compare(da.length(), db.length()) : da.compareTo(db);
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b); // "01" and "1" differ only in zeros: still a fixed order
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String stripZeros(String digits) {
        int k = 0;
        while (k < digits.length() - 1 && digits.charAt(k) == '0') {
            k++;
        }
        return digits.substring(k);
    }
}
