package org.fedsub.runtime.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs code as if one more jar were on the class path, listing {@code providers} in its
 * {@code META-INF/services} files: a class loader over {@code dir} (whose parent holds the test
 * classes and fedsub's own services) becomes the thread's context class loader, which
 * {@link java.util.ServiceLoader} reads, and is restored afterwards.
 */
public final class ServicesOnClassPath {

    private ServicesOnClassPath() {}

    /** @param providers service interface to the binary names of the classes the extra jar lists */
    public static <T> T with(Path dir, Map<Class<?>, List<String>> providers, Supplier<T> body) {
        try {
            for (Map.Entry<Class<?>, List<String>> e : providers.entrySet()) {
                Path f = dir.resolve("META-INF/services/" + e.getKey().getName());
                Files.createDirectories(f.getParent());
                Files.writeString(f, String.join("\n", e.getValue()) + "\n", StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread t = Thread.currentThread();
        ClassLoader old = t.getContextClassLoader();
        try (URLClassLoader jar = new URLClassLoader(new URL[] {dir.toUri().toURL()}, old)) {
            t.setContextClassLoader(jar);
            return body.get();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            t.setContextClassLoader(old);
        }
    }
}
