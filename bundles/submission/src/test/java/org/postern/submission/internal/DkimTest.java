package org.postern.submission.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.core.submission.DkimKeys.Algorithm;
import org.postern.core.submission.DkimKeys.PublicKeyRecord;

/**
 * Signatures checked by an independent verifier: dkimpy (Debian python3-dkim, installed by
 * .ci/run), given our TXT records instead of DNS.
 */
class DkimTest {
    @TempDir
    Path dir;

    private static final String[] MESSAGES = {
        // plain
        "From: Alice <alice@example.net>\r\nTo: carol@remote.test\r\nSubject: hello\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000\r\n"
                + "Message-ID: <1@example.net>\r\n\r\nHello Carol.\r\n",
        // folded headers, odd spacing, tabs, trailing white space, empty lines at the end
        "From:   alice@example.net  \r\nTo: carol@remote.test,\r\n\t dan@remote.test\r\nSubject:\tsplit\r\n   over lines \r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain;\r\n charset=utf-8\r\n\r\n"
                + "line  with   spaces \t \r\n\t leading tab\r\n\r\n\r\n\r\n",
        // empty body, and a body without its last CRLF
        "From: alice@example.net\r\nSubject: empty\r\n\r\n",
        "From: alice@example.net\r\nSubject: unterminated\r\n\r\nno newline at the end",
        // two Subject fields, 8-bit header, long body
        "From: alice@example.net\r\nSubject: one\r\nSubject: two\r\nX-Not-Signed: x\r\n\r\n" + "Grüße ".repeat(5000) + "\r\n",
    };

    @Test
    void rsaAndEd25519SignaturesVerifyWithDkimpy() throws Exception {
        DkimKeyStore store = new DkimKeyStore(dir.resolve("dkim"));
        PublicKeyRecord rsa = store.create("example.net", Algorithm.RSA_SHA256, "r1");
        PublicKeyRecord ed = store.create("example.net", Algorithm.ED25519_SHA256, "e1");
        assertTrue(rsa.txt().startsWith("v=DKIM1; k=rsa; p=MII"), rsa.txt());
        assertTrue(ed.txt().matches("v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="), ed.txt());
        assertEquals("r1._domainkey.example.net", rsa.dnsName());
        assertEquals(List.of("e1", "r1"), store.list("example.net").stream().map(PublicKeyRecord::selector).toList());
        List<DkimSigner.Key> keys = store.signingKeys("shop.example.net");
        assertEquals(2, keys.size(), "an alias subdomain signs with its parent's keys");
        for (String m : MESSAGES) {
            byte[] message = m.getBytes(StandardCharsets.UTF_8);
            byte[] signed = signed(message, keys);
            assertEquals("2 signatures verified", verify(signed, rsa, ed), new String(signed, StandardCharsets.UTF_8));
            // a changed body, and a second From (over-signed), break every signature
            byte[] tampered = (new String(signed, StandardCharsets.UTF_8) + "X\r\n").getBytes(StandardCharsets.UTF_8);
            assertEquals("0 signatures verified", verify(tampered, rsa, ed));
            String text = new String(signed, StandardCharsets.UTF_8);
            int firstFrom = text.indexOf("\r\nFrom:") + 2;
            tampered = (text.substring(0, firstFrom) + "From: eve@evil.test\r\n" + text.substring(firstFrom))
                    .getBytes(StandardCharsets.UTF_8);
            assertEquals("0 signatures verified", verify(tampered, rsa, ed));
        }
    }

    @Test
    void keysAreOwnerOnlyFilesAndSelectorsAreChecked() throws Exception {
        DkimKeyStore store = new DkimKeyStore(dir.resolve("dkim"));
        store.create("example.org", Algorithm.RSA_SHA256, "s1");
        Path key = dir.resolve("dkim/example.org/s1.rsa.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())));
        assertThrows(IllegalArgumentException.class, () -> store.create("example.org", Algorithm.RSA_SHA256, "s1"));
        assertThrows(IllegalArgumentException.class, () -> store.create("example.org", Algorithm.RSA_SHA256, "../x"));
        assertThrows(IllegalArgumentException.class, () -> store.create("../../etc", Algorithm.RSA_SHA256, "s2"));
        assertTrue(store.signingKeys("other.test").isEmpty());
    }

    private static byte[] signed(byte[] message, List<DkimSigner.Key> keys) throws Exception {
        byte[] sig = DkimSigner.sign(new ByteArrayInputStream(message), keys, Instant.now());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(sig);
        out.writeBytes(message);
        return out.toByteArray();
    }

    private String verify(byte[] message, PublicKeyRecord... records) throws Exception {
        return dkimpy(dir, message, records);
    }

    /** Runs dkimpy over the message (a file in {@code dir}), answering its DNS queries with the given records. */
    static String dkimpy(Path dir, byte[] message, PublicKeyRecord... records) throws Exception {
        Path msg = Files.write(Files.createTempFile(dir, "m", ".eml"), message);
        StringBuilder zone = new StringBuilder("{");
        for (PublicKeyRecord r : records) {
            zone.append('"').append(r.dnsName()).append(".\": \"").append(r.txt()).append("\",");
        }
        zone.append('}');
        String script = "import dkim, sys\n"
                + "zone = " + zone + "\n"
                + "def dns(name, timeout=5):\n"
                + "    n = name.decode() if isinstance(name, bytes) else name\n"
                + "    return zone.get(n, '').encode()\n"
                + "m = open(sys.argv[1], 'rb').read()\n"
                + "d = dkim.DKIM(m)\n"
                + "def check(i):\n"
                + "    try:\n"
                + "        return d.verify(idx=i, dnsfunc=dns)\n"
                + "    except dkim.ValidationError:\n"
                + "        return False\n"
                + "ok = sum(1 for i in range(m.count(b'DKIM-Signature:')) if check(i))\n"
                + "print(ok, 'signatures verified')\n";
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, msg.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return out.lines().reduce((a, b) -> b).orElse(out);
    }
}
