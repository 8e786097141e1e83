package org.fedsub.examples.cli;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ctrl-C during {@code run} and {@code compare}. Once {@link #arm armed}, the first SIGINT (or
 * SIGTERM) asks the run to stop after the round it is in, so that its results are written as at
 * a normal end and the command exits with {@value #EXIT_CODE}; a second one ends the process at
 * once with the same code. Before it is armed (while the config and the data are read) a signal
 * ends the process as the JVM always does, since there is nothing to keep yet.
 *
 * <p>In-process callers (tests, a library user calling {@code Main.run}) get {@link #none()},
 * which installs nothing and is requested only through {@link #request()}.
 */
public final class StopSignal {

    private static final Logger log = LoggerFactory.getLogger(StopSignal.class);

    /** The exit code of an interrupted command: 128 + SIGINT, as shells report Ctrl-C. */
    public static final int EXIT_CODE = 130;

    private final PrintStream err;
    private final boolean process;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicInteger signals = new AtomicInteger();

    private StopSignal(PrintStream err, boolean process) {
        this.err = err;
        this.process = process;
    }

    /** Handles this process's SIGINT and SIGTERM once armed, telling the user on {@code err}. */
    public static StopSignal ofProcess(PrintStream err) {
        return new StopSignal(err, true);
    }

    /** Never requested unless {@link #request()} is called; installs no signal handler. */
    public static StopSignal none() {
        return new StopSignal(null, false);
    }

    /** From now on a signal asks the run to stop instead of ending the process. Idempotent. */
    void arm() {
        if (!process || !armed.compareAndSet(false, true)) {
            return;
        }
        for (String name : new String[] {"INT", "TERM"}) {
            install(name);
        }
    }

    /** True once a stop was asked for. */
    public boolean requested() {
        return signals.get() > 0;
    }

    /** Asks the run to stop after its current round, as a first Ctrl-C does. */
    public void request() {
        signals.compareAndSet(0, 1);
    }

    private void onSignal(String name) {
        int n = signals.incrementAndGet();
        if (n == 1) {
            err.println();
            err.println("fedsub: SIG" + name + ": stopping after the current round and writing the results "
                    + "(press Ctrl-C again to quit at once)");
            err.flush();
        } else {
            err.println("fedsub: SIG" + name + " again: quitting at once; the results hold the rounds written so far");
            err.flush();
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }

    /**
     * {@code sun.misc.Signal.handle(new Signal(name), this::onSignal)}, through reflection: the
     * class is in the JDK's exported {@code jdk.unsupported} module, but naming it in source
     * draws a compiler warning that no annotation suppresses. Where the JVM reserves the signal
     * (e.g. {@code -Xrs}) or it was ignored when the JVM started, the default stays.
     */
    private void install(String name) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object proxy = Proxy.newProxyInstance(StopSignal.class.getClassLoader(), new Class<?>[] {handler},
                    (self, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            onSignal(name);
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        default -> "fedsub stop on SIG" + name;
                    });
            Method handle = signal.getMethod("handle", signal, handler);
            handle.invoke(null, signal.getConstructor(String.class).newInstance(name), proxy);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("cannot handle SIG{}: Ctrl-C ends the process without writing results", name, e);
        }
    }
}
