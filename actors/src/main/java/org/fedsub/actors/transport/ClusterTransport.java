package org.fedsub.actors.transport;

import static org.fedsub.runtime.config.Settings.boolAt;
import static org.fedsub.runtime.config.Settings.path;
import static org.fedsub.runtime.config.Settings.stringAt;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fedsub.actors.cluster.ClusterNodes;
import org.fedsub.runtime.config.ConfigError;
import org.fedsub.runtime.config.Settings;

/**
 * The one place where fedsub's transport settings become Artery's: {@link #pekkoConfig} reads
 * {@code fedsub.cluster.tls} and returns the {@code pekko.remote.artery} keys a cluster node
 * needs, checking the key and trust stores first so that a missing file or a wrong password
 * is one line naming the file, not a handshake failure later.
 *
 * <p>With TLS (the default) Artery runs {@code tls-tcp} with Pekko's
 * {@code ConfigSSLEngineProvider}, TLS 1.3 and mutual authentication: a node accepts a
 * connection only from a peer whose certificate chains to a CA in its trust store, and
 * presents its own. {@code scripts/make-certs.sh} makes such stores.
 */
public final class ClusterTransport {

    public static final String PATH = "fedsub.cluster.tls";

    private static final String ARTERY = "pekko.remote.artery";
    private static final String ENGINE = ARTERY + ".ssl.config-ssl-engine";

    /** The file names scripts/make-certs.sh writes into each node's folder. */
    static final String KEY_STORE = "keystore.p12";
    static final String KEY_STORE_PASSWORD = "keystore.password";
    static final String TRUST_STORE = "truststore.p12";
    static final String TRUST_STORE_PASSWORD = "truststore.password";

    private ClusterTransport() {}

    /**
     * The Pekko configuration a cluster node puts in front of its own: Artery's transport
     * ({@code tls-tcp} or {@code tcp}), the TLS engine's stores and passwords, and the
     * large-message destinations (the chunked transport's inbound actor and the paths of
     * {@link ClusterNodes}). Use it as {@code pekkoConfig(root).withFallback(root)}.
     *
     * @param root the loaded configuration holding {@code fedsub.cluster.tls}
     * @throws ConfigError if a setting is invalid, a store or password file is missing or
     *                     unreadable, a password does not open its store, or a store holds no key
     *                     (key store) or no certificate (trust store)
     */
    public static Config pekkoConfig(Config root) {
        Config tls = Settings.subtree(root, PATH, "the actors module's reference.conf");
        Map<String, Object> keys = new HashMap<>();
        keys.put(ARTERY + ".large-message-destinations", largeMessageDestinations());
        if (!boolAt(tls, PATH, "enabled")) {
            keys.put(ARTERY + ".transport", "tcp");
            return ConfigFactory.parseMap(keys, "fedsub.cluster.tls.enabled = off (plain TCP)");
        }
        String dir = stringAt(tls, PATH, "dir").trim();
        Path keyStore = file(tls, "key-store", dir, KEY_STORE);
        Path keyPasswordFile = file(tls, "key-store-password-file", dir, KEY_STORE_PASSWORD);
        Path trustStore = file(tls, "trust-store", dir, TRUST_STORE);
        Path trustPasswordFile = file(tls, "trust-store-password-file", dir, TRUST_STORE_PASSWORD);
        String keyPassword = password(keyPasswordFile, "key-store-password-file");
        String trustPassword = password(trustPasswordFile, "trust-store-password-file");
        KeyStore ks = open(keyStore, keyPassword, "key-store", keyPasswordFile);
        if (aliases(ks, keyStore).stream().noneMatch(a -> isKey(ks, a))) {
            throw new ConfigError(path(PATH, "key-store"), keyStore.toString(),
                    "holds no private key; expected the node's key store (keystore.p12 of scripts/make-certs.sh)");
        }
        KeyStore ts = open(trustStore, trustPassword, "trust-store", trustPasswordFile);
        if (aliases(ts, trustStore).stream().noneMatch(a -> isCertificate(ts, a))) {
            throw new ConfigError(path(PATH, "trust-store"), trustStore.toString(),
                    "holds no trusted certificate; expected the cluster CA's (truststore.p12 of scripts/make-certs.sh)");
        }
        keys.put(ARTERY + ".transport", "tls-tcp");
        keys.put(ARTERY + ".ssl.ssl-engine-provider", "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider");
        keys.put(ENGINE + ".key-store", keyStore.toAbsolutePath().toString());
        keys.put(ENGINE + ".key-store-password", keyPassword);
        keys.put(ENGINE + ".key-password", keyPassword); // PKCS12: one password for the store and its key
        keys.put(ENGINE + ".trust-store", trustStore.toAbsolutePath().toString());
        keys.put(ENGINE + ".trust-store-password", trustPassword);
        keys.put(ENGINE + ".protocol", "TLSv1.3");
        keys.put(ENGINE + ".enabled-algorithms", List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"));
        keys.put(ENGINE + ".require-mutual-authentication", true);
        keys.put(ENGINE + ".hostname-verification", boolAt(tls, PATH, "hostname-verification"));
        // The passwords are in this Config: never render it to a log.
        return ConfigFactory.parseMap(keys, "fedsub.cluster.tls (TLS with mutual authentication)");
    }

    /** Artery paths that receive big frames: the chunked transport's inbound actor and ClusterNodes' actors. */
    public static List<String> largeMessageDestinations() {
        List<String> paths = new ArrayList<>();
        paths.add(ChunkedTransport.INBOUND_PATH);
        for (String p : (ClusterNodes.CLIENT_PATHS + "," + ClusterNodes.SERVER_PATHS).split(",")) {
            paths.add(p.trim());
        }
        return paths;
    }

    private static Path file(Config tls, String key, String dir, String inDir) {
        String v = stringAt(tls, PATH, key).trim();
        if (v.isEmpty()) {
            if (dir.isEmpty()) {
                throw new ConfigError(path(PATH, key), v, "expected a file (or " + PATH + ".dir, a node folder of"
                        + " scripts/make-certs.sh); plain TCP only with " + PATH + ".enabled = off");
            }
            return Path.of(dir, inDir);
        }
        return Path.of(v);
    }

    private static String password(Path file, String key) {
        String p;
        try {
            p = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConfigError(path(PATH, key), file.toString(), "cannot read the password file: " + reason(e));
        }
        if (p.isEmpty()) {
            throw new ConfigError(path(PATH, key), file.toString(), "the password file is empty");
        }
        return p;
    }

    private static KeyStore open(Path store, String password, String key, Path passwordFile) {
        if (!Files.isReadable(store)) {
            throw new ConfigError(path(PATH, key), store.toString(),
                    Files.exists(store) ? "the file is not readable" : "no such file");
        }
        try {
            return KeyStore.getInstance(store.toFile(), password.toCharArray());
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new ConfigError(path(PATH, key), store.toString(),
                        "the password in " + passwordFile + " does not open it (" + reason(e) + ")");
            }
            throw new ConfigError(path(PATH, key), store.toString(), "cannot read it as a PKCS12 key store: " + reason(e));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigError(path(PATH, key), store.toString(), "not a PKCS12 or JKS key store: " + reason(e));
        }
    }

    private static List<String> aliases(KeyStore ks, Path store) {
        try {
            return Collections.list(ks.aliases());
        } catch (GeneralSecurityException e) {
            throw new ConfigError(path(PATH, "key-store"), store.toString(), "cannot list its entries: " + reason(e));
        }
    }

    private static boolean isKey(KeyStore ks, String alias) {
        try {
            return ks.isKeyEntry(alias);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean isCertificate(KeyStore ks, String alias) {
        try {
            return ks.isCertificateEntry(alias);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String reason(Exception e) {
        String m = e.getMessage();
        return (m == null ? e.getClass().getSimpleName() : m).replace('\n', ' ');
    }
}
