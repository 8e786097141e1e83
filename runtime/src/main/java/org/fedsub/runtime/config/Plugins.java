package org.fedsub.runtime.config;

import java.security.CodeSource;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Finds the implementations of a provider interface on the class path through
 * {@link ServiceLoader} (each jar lists its own in {@code META-INF/services/<interface>}), keyed by
 * the name a configuration gives them. fedsub's built-ins are found the same way as a user's
 * plug-ins, so a name is a name wherever it comes from.
 */
public final class Plugins {

    /** What a plug-in name may look like: it is both a config value and a HOCON key. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

    private Plugins() {}

    /**
     * Every provider of {@code spi} visible to the thread's context class loader or to fedsub's
     * own, by name: those of the jar that defines {@code spi} (fedsub's own) first, then the others
     * in class path order.
     *
     * @param kind     what the providers make, for messages (e.g. "strategy")
     * @param reserved names a provider may not take because they are other keys of its config section
     * @throws IllegalStateException when a provider cannot be loaded, has a bad or reserved name, or
     *                               two providers share one name: the class path is wrong, not the config
     */
    public static <P> Map<String, P> load(Class<P> spi, Function<P, String> nameOf, String kind,
            Collection<String> reserved) {
        Map<String, P> byName = new LinkedHashMap<>();
        Set<Class<?>> seen = new HashSet<>();
        // The thread's context class loader sees a container's or a launcher's plug-ins; fedsub's
        // own loader always sees its built-ins, even where the context loader is unrelated.
        Set<ClassLoader> loaders = new LinkedHashSet<>();
        loaders.add(Thread.currentThread().getContextClassLoader());
        loaders.add(spi.getClassLoader());
        loaders.remove(null);
        try {
            for (P p : loaders.stream().flatMap(l -> ServiceLoader.load(spi, l).stream()).map(ServiceLoader.Provider::get)
                    .toList()) {
                if (!seen.add(p.getClass())) {
                    continue;
                }
                String name = nameOf.apply(p);
                if (name == null || !NAME.matcher(name).matches()) {
                    throw new IllegalStateException(kind + " plug-in " + p.getClass().getName() + " is named '" + name
                            + "': expected lower-case letters, digits and '-', starting with a letter");
                }
                if (reserved.contains(name)) {
                    throw new IllegalStateException(kind + " plug-in " + p.getClass().getName() + " is named '" + name
                            + "', which is another setting of its section; reserved names are " + reserved);
                }
                P other = byName.putIfAbsent(name, p);
                if (other != null) {
                    throw new IllegalStateException("two " + kind + " plug-ins are named '" + name + "': "
                            + other.getClass().getName() + " and " + p.getClass().getName()
                            + " (one of them is listed in META-INF/services/" + spi.getName() + " of a jar too many)");
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("a " + kind + " plug-in listed in META-INF/services/" + spi.getName()
                    + " cannot be loaded: " + e.getMessage(), e);
        }
        // fedsub's own first, whatever the class path order: they are what a user knows to look for.
        Map<String, P> ordered = new LinkedHashMap<>();
        byName.forEach((n, p) -> {
            if (sameJar(p.getClass(), spi)) {
                ordered.put(n, p);
            }
        });
        ordered.putAll(byName);
        return ordered;
    }

    /** Whether {@code a} comes from the jar (or classes directory) of {@code b}. */
    private static boolean sameJar(Class<?> a, Class<?> b) {
        CodeSource x = a.getProtectionDomain().getCodeSource();
        CodeSource y = b.getProtectionDomain().getCodeSource();
        return x != null && y != null && Objects.equals(x.getLocation(), y.getLocation());
    }
}
