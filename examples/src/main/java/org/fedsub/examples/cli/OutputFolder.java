package org.fedsub.examples.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --out DIR}: a new or empty folder, or, with {@code --overwrite}, an earlier results
 * folder that is emptied first. Emptied rather than written over, so that no file of the old run
 * (a plot only the old model type had, a member folder of an old comparison) can pass for the new
 * run's. Only a folder fedsub wrote (it holds {@value Runs#CONFIG_CONF}) is emptied: a mistyped
 * {@code --out .} is refused, not wiped.
 */
final class OutputFolder {

    private OutputFolder() {}

    /**
     * Refuses {@code dir} before anything is read or written: it exists and is not empty, and
     * {@code overwrite} is off or it is not a results folder.
     */
    static void check(Path dir, boolean overwrite) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new Refused("--out " + dir + " is a file, not a folder; choose a new folder for the results");
        }
        List<String> entries = entries(dir);
        if (entries.isEmpty()) {
            return;
        }
        String listing = String.join(", ", entries.subList(0, Math.min(3, entries.size())))
                + (entries.size() > 3 ? ", ... (" + entries.size() + " entries)" : "");
        if (!overwrite) {
            String resume = Files.isRegularFile(dir.resolve(org.fedsub.runtime.engine.Checkpoint.FILE_NAME))
                    ? ", or continue the run it holds with " + Runs.resumeCommand(dir) : "";
            throw new Refused("--out " + dir + " exists and is not empty (" + listing + "); choose a new folder, "
                    + (resume.isEmpty() ? "or " : "") + "add --overwrite to empty it and write the results there"
                    + resume);
        }
        if (!Files.isRegularFile(dir.resolve(Runs.CONFIG_CONF))) {
            throw new Refused("--out " + dir + " --overwrite: the folder holds " + listing + " but no "
                    + Runs.CONFIG_CONF + ", so it is not a fedsub results folder; refusing to empty it (choose a new "
                    + "folder)");
        }
    }

    /** Checks {@code dir} again and creates it, or empties it when {@code overwrite} allows. */
    static Path prepare(Path dir, boolean overwrite) throws IOException {
        check(dir, overwrite);
        if (Files.isDirectory(dir)) {
            empty(dir);
            return dir;
        }
        return Files.createDirectories(dir);
    }

    private static List<String> entries(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                names.add(p.getFileName() + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/" : ""));
            }
        }
        names.sort(null);
        return names;
    }

    /** Deletes everything inside {@code dir}, never following a link out of it. */
    private static void empty(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                if (!d.equals(dir)) {
                    Files.delete(d);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
