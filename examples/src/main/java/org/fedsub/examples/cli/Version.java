package org.fedsub.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * {@code fedsub --version}: the project version (from a resource Maven fills in at build time),
 * the git commit when the launcher could tell it ({@code -Dfedsub.commit}, from {@code git
 * describe} in the checkout), the Java runtime and the ND4J backend on the class path. Nothing
 * here loads ND4J's native code, so it answers at once.
 */
public final class Version {

    /** The system property the {@code ./fedsub} launcher sets to the checkout's commit. */
    public static final String COMMIT_PROPERTY = "fedsub.commit";

    private Version() {}

    /** The lines {@code fedsub --version} prints. */
    public static String describe() {
        String commit = System.getProperty(COMMIT_PROPERTY, "").trim();
        return "fedsub " + projectVersion() + (commit.isEmpty() ? "" : " (commit " + commit + ")") + "\n"
                + "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")\n"
                + "ND4J backend: " + backend() + "\n";
    }

    /** The version of the build, e.g. {@code 0.1.0-SNAPSHOT}; "unknown" when the resource is missing. */
    public static String projectVersion() {
        String v = property("/org/fedsub/examples/version.properties", "version");
        return v == null || v.startsWith("${") ? "unknown" : v;
    }

    private static String backend() {
        if (present("org.nd4j.linalg.cpu.nativecpu.CpuBackend")) {
            return "nd4j-native " + version("nd4j-native") + " (CPU)";
        }
        if (present("org.nd4j.linalg.jcublas.JCublasBackend")) {
            return "nd4j-cuda (GPU)";
        }
        return "none on the class path";
    }

    private static String version(String artifact) {
        String v = property("/META-INF/maven/org.nd4j/" + artifact + "/pom.properties", "version");
        return v == null ? "" : v;
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, Version.class.getClassLoader()); // not initialised: no native load
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static String property(String resource, String key) {
        try (InputStream in = Version.class.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty(key);
        } catch (IOException e) {
            return null;
        }
    }
}
