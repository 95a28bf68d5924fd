package org.postern.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
    @TempDir
    Path dir;

    @Test
    void selfSignedIsGeneratedOnceAndKept() throws Exception {
        Tls.selfSigned(dir, "mx.example.net");
        Path file = dir.resolve(Tls.SELF_SIGNED_FILE);
        byte[] first = Files.readAllBytes(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Tls.selfSigned(dir, "other.example.net");
        assertArrayEquals(first, Files.readAllBytes(file), "a restart must keep the same certificate");

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, Tls.SELF_SIGNED_PASSWORD);
        }
        X509Certificate cert = (X509Certificate) ks.getCertificate(ks.aliases().nextElement());
        assertTrue(cert.getSubjectX500Principal().getName().contains("CN=mx.example.net"));
        cert.checkValidity();
    }

    @Test
    void filterEnablesOnlyModernProtocols() throws Exception {
        var f = Tls.filter(Tls.selfSigned(dir, "localhost"));
        for (String p : f.getEnabledProtocols()) {
            assertTrue(p.equals("TLSv1.3") || p.equals("TLSv1.2"), p);
        }
    }
}
