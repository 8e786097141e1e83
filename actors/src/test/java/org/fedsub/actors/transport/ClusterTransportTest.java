package org.fedsub.actors.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.fedsub.runtime.config.ConfigError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/make-certs.sh's outputs, and their mapping onto Artery's TLS settings. */
class ClusterTransportTest {

    @TempDir
    static Path tmp;
    static Path certs;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = Certificates.cluster();
    }

    private static Config tls(String settings) {
        return ConfigFactory.parseString(settings).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    private static String password(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    @Test
    void makeCerts_nodeFolders_holdAKeyChainedToTheCaAndATrustStoreOfTheCa() throws Exception {
        Path member = certs.resolve("member");
        KeyStore ks = KeyStore.getInstance(member.resolve("keystore.p12").toFile(),
                password(member.resolve("keystore.password")).toCharArray());
        assertEquals(List.of("node"), Collections.list(ks.aliases()));
        assertTrue(ks.isKeyEntry("node"));
        var chain = ks.getCertificateChain("node");
        assertEquals(2, chain.length, "node certificate and the CA's");
        X509Certificate leaf = (X509Certificate) chain[0];
        X509Certificate ca = (X509Certificate) chain[1];
        leaf.verify(ca.getPublicKey());
        assertEquals("CN=member", leaf.getSubjectX500Principal().getName());
        assertTrue(leaf.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")),
                "serverAuth and clientAuth: every node both dials and accepts");
        Set<String> sans = new java.util.HashSet<>();
        leaf.getSubjectAlternativeNames().forEach(n -> sans.add(String.valueOf(n.get(1))));
        assertEquals(Set.of("127.0.0.1", "localhost", "member.example.org", "10.9.8.7"), sans);

        KeyStore ts = KeyStore.getInstance(member.resolve("truststore.p12").toFile(),
                password(member.resolve("truststore.password")).toCharArray());
        assertEquals(List.of("ca"), Collections.list(ts.aliases()));
        assertEquals(ca, ts.getCertificate("ca"));
    }

    @Test
    void makeCerts_keytoolList_acceptsEveryStoreWithItsPasswordFile() throws Exception {
        for (String node : List.of("seed", "member")) {
            for (String store : List.of("keystore", "truststore")) {
                Path dir = certs.resolve(node);
                Process p = new ProcessBuilder(Path.of(Certificates.javaBin(), "keytool").toString(), "-list", "-keystore", dir.resolve(store + ".p12").toString(),
                        "-storepass:file", dir.resolve(store + ".password").toString())
                        .redirectErrorStream(true).start();
                try {
                    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "keytool -list did not finish");
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals(0, p.exitValue(), out);
                    assertTrue(out.contains("Keystore type: PKCS12"), out);
                    assertTrue(out.contains(store.equals("keystore") ? "PrivateKeyEntry" : "trustedCertEntry"), out);
                } finally {
                    p.destroyForcibly();
                }
            }
        }
    }

    @Test
    void makeCerts_secrets_areReadableByTheOwnerOnly() throws Exception {
        for (Path f : List.of(certs.resolve("ca/ca.p12"), certs.resolve("ca/ca.password"),
                certs.resolve("seed/keystore.p12"), certs.resolve("seed/keystore.password"),
                certs.resolve("seed/truststore.password"))) {
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(f), f.toString());
        }
        assertFalse(password(certs.resolve("seed/keystore.password"))
                .equals(password(certs.resolve("member/keystore.password"))), "each store its own random password");
    }

    @Test
    void makeCerts_withExistingCa_signsANewNodeByThatCa() throws Exception {
        Path later = tmp.resolve("later");
        Certificates.Result r = Certificates.run("--ca", certs.resolve("ca").toString(), later.toString(), "node9");
        assertEquals(0, r.exitCode(), r.output());
        assertFalse(Files.exists(later.resolve("ca")), "no new CA");
        KeyStore ks = KeyStore.getInstance(later.resolve("node9/keystore.p12").toFile(),
                password(later.resolve("node9/keystore.password")).toCharArray());
        KeyStore clusterTrust = KeyStore.getInstance(certs.resolve("seed/truststore.p12").toFile(),
                password(certs.resolve("seed/truststore.password")).toCharArray());
        ks.getCertificateChain("node")[0].verify(clusterTrust.getCertificate("ca").getPublicKey());
    }

    @Test
    void makeCerts_existingOutdir_isRefusedAndLeftAlone() throws Exception {
        long before = Files.size(certs.resolve("seed/keystore.p12"));
        Certificates.Result r = Certificates.run(certs.toString(), "seed");
        assertEquals(2, r.exitCode());
        assertTrue(r.output().contains("already exists"), r.output());
        assertEquals(before, Files.size(certs.resolve("seed/keystore.p12")));
    }

    @Test
    void makeCerts_badNodeName_isAClearErrorAndWritesNothing() throws Exception {
        Path out = tmp.resolve("bad");
        Certificates.Result r = Certificates.run(out.toString(), "ok", "no/slash");
        assertEquals(2, r.exitCode());
        assertTrue(r.output().contains("node name 'no/slash'"), r.output());
        assertFalse(Files.exists(out));
    }

    @Test
    void pekkoConfig_nodeFolder_givesTlsTcpWithMutualAuthenticationAndTheStores() throws Exception {
        Path seed = certs.resolve("seed");
        Config p = ClusterTransport.pekkoConfig(tls("fedsub.cluster.tls.dir = \"" + seed + "\""));
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        assertEquals("tls-tcp", p.getString("pekko.remote.artery.transport"));
        assertEquals("org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider",
                p.getString("pekko.remote.artery.ssl.ssl-engine-provider"));
        assertEquals(seed.resolve("keystore.p12").toAbsolutePath().toString(), p.getString(engine + "key-store"));
        assertEquals(seed.resolve("truststore.p12").toAbsolutePath().toString(), p.getString(engine + "trust-store"));
        assertEquals(password(seed.resolve("keystore.password")), p.getString(engine + "key-store-password"));
        assertEquals(password(seed.resolve("keystore.password")), p.getString(engine + "key-password"));
        assertEquals(password(seed.resolve("truststore.password")), p.getString(engine + "trust-store-password"));
        assertTrue(p.getBoolean(engine + "require-mutual-authentication"));
        assertEquals("TLSv1.3", p.getString(engine + "protocol"));
        assertTrue(p.getStringList("pekko.remote.artery.large-message-destinations")
                .contains(ChunkedTransport.INBOUND_PATH));
    }

    @Test
    void pekkoConfig_byDefault_requiresCertificates() {
        ConfigError e = assertThrows(ConfigError.class, () -> ClusterTransport.pekkoConfig(tls("")));
        assertEquals("fedsub.cluster.tls.key-store", e.path());
        assertTrue(e.getMessage().contains("enabled = off"), e.getMessage());
    }

    @Test
    void pekkoConfig_tlsOff_isPlainTcp() {
        Config p = ClusterTransport.pekkoConfig(tls("fedsub.cluster.tls.enabled = off"));
        assertEquals("tcp", p.getString("pekko.remote.artery.transport"));
        assertFalse(p.hasPath("pekko.remote.artery.ssl"));
    }

    @Test
    void pekkoConfig_missingKeyStore_namesTheFile() {
        Path seed = certs.resolve("seed");
        Path missing = tmp.resolve("nowhere.p12");
        ConfigError e = assertThrows(ConfigError.class, () -> ClusterTransport.pekkoConfig(tls(
                "fedsub.cluster.tls { dir = \"" + seed + "\", key-store = \"" + missing + "\" }")));
        assertEquals("fedsub.cluster.tls.key-store = \"" + missing + "\": no such file", e.getMessage());
    }

    @Test
    void pekkoConfig_wrongPassword_namesTheStoreAndThePasswordFile() throws Exception {
        Path seed = certs.resolve("seed");
        Path wrong = tmp.resolve("wrong.password");
        Files.writeString(wrong, "not-the-password\n");
        ConfigError e = assertThrows(ConfigError.class, () -> ClusterTransport.pekkoConfig(tls(
                "fedsub.cluster.tls { dir = \"" + seed + "\", trust-store-password-file = \"" + wrong + "\" }")));
        assertEquals("fedsub.cluster.tls.trust-store", e.path());
        assertTrue(e.getMessage().contains(seed.resolve("truststore.p12").toString())
                && e.getMessage().contains("password in " + wrong + " does not open it"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void pekkoConfig_unreadablePasswordFile_namesIt() {
        Path seed = certs.resolve("seed");
        Path missing = tmp.resolve("no.password");
        ConfigError e = assertThrows(ConfigError.class, () -> ClusterTransport.pekkoConfig(tls(
                "fedsub.cluster.tls { dir = \"" + seed + "\", key-store-password-file = \"" + missing + "\" }")));
        assertEquals("fedsub.cluster.tls.key-store-password-file", e.path());
        assertTrue(e.getMessage().startsWith("fedsub.cluster.tls.key-store-password-file = \"" + missing
                + "\": cannot read the password file"), e.getMessage());
    }

    @Test
    void pekkoConfig_trustStoreAsKeyStore_isRefused() {
        Path seed = certs.resolve("seed");
        ConfigError e = assertThrows(ConfigError.class, () -> ClusterTransport.pekkoConfig(tls(
                "fedsub.cluster.tls { dir = \"" + seed + "\", key-store = \"" + seed.resolve("truststore.p12")
                        + "\", key-store-password-file = \"" + seed.resolve("truststore.password") + "\" }")));
        assertTrue(e.getMessage().contains("holds no private key"), e.getMessage());
    }

    @Test
    void transportSettings_maxBufferedBelowMaxMessageSize_isAConfigError() {
        Map<String, Object> bad = Map.of("fedsub.transport.max-buffered", "1 MiB");
        ConfigError e = assertThrows(ConfigError.class, () -> TransportSettings.fromConfig(
                ConfigFactory.parseMap(bad).withFallback(ConfigFactory.defaultReference()).resolve()));
        assertEquals("fedsub.transport.max-buffered", e.path());
    }
}
