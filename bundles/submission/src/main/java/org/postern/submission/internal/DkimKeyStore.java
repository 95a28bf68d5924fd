package org.postern.submission.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.postern.api.address.DomainName;
import org.postern.api.smtp.CoreService;
import org.postern.api.store.DataDirectory;
import org.postern.core.submission.DkimKeys;

/**
 * DKIM keys as files: {@code <data>/dkim/<domain>/<selector>.<rsa|ed25519>.key}, PKCS#8 in PEM,
 * owner-only (directories 0700, files 0600), written once and never changed (a new key is a new
 * selector). Files, not database rows, for the reason the app-password key is a file: a copy of
 * the database must not be enough to sign as the domain. A cluster shares the directory like the
 * TLS certificate. Read keys are cached for {@value #CACHE_MILLIS} ms.
 */
@Component(service = {DkimKeys.class, DkimKeyStore.class}, property = CoreService.PROPERTY + "=true")
public class DkimKeyStore implements DkimKeys {
    static final long CACHE_MILLIS = 30_000;
    private static final String SELECTOR_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-";

    private final Path directory;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(List<DkimSigner.Key> keys, long readAt) {
    }

    @Activate
    public DkimKeyStore() {
        this(DataDirectory.resolve().resolve("dkim"));
    }

    DkimKeyStore(Path directory) {
        this.directory = directory;
    }

    @Override
    public PublicKeyRecord create(String domain, Algorithm algorithm, String selector) throws IOException {
        String d = domain(domain);
        String s = selector == null ? "p" + LocalDate.now(ZoneOffset.UTC).toString().replace("-", "").substring(0, 6)
                : selector.toLowerCase(Locale.ROOT);
        if (s.isEmpty() || s.length() > 63 || s.chars().anyMatch(c -> SELECTOR_CHARS.indexOf(c) < 0) || s.startsWith("-")) {
            throw new IllegalArgumentException("a selector is letters, digits and hyphens (at most 63): " + selector);
        }
        KeyPair pair;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm == Algorithm.RSA_SHA256 ? "RSA" : "Ed25519");
            if (algorithm == Algorithm.RSA_SHA256) {
                g.initialize(2048);
            }
            pair = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot make a " + algorithm + " key", e);
        }
        Path dir = ownerOnlyDirectory(directory.resolve(d));
        Path file = dir.resolve(s + "." + suffix(algorithm) + ".key");
        byte[] pkcs8 = pair.getPrivate().getEncoded();
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n";
        Arrays.fill(pkcs8, (byte) 0);
        try {
            Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                    pem.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException(d + " already has a " + algorithm + " key with selector " + s);
        }
        PublicKeyRecord record = record(d, s, algorithm, pair.getPublic());
        // the public half beside it: the JDK cannot derive an Ed25519 public key from the private one
        Files.writeString(dir.resolve(s + "." + suffix(algorithm) + ".txt"), record.txt() + "\n", StandardCharsets.US_ASCII);
        cache.clear();
        return record;
    }

    @Override
    public List<PublicKeyRecord> list(String domain) throws IOException {
        String d = domain(domain);
        List<PublicKeyRecord> out = new ArrayList<>();
        for (DkimSigner.Key k : read(d)) {
            Path txt = directory.resolve(d).resolve(k.selector() + "." + suffix(k.algorithm()) + ".txt");
            String record = Files.isRegularFile(txt) ? Files.readString(txt, StandardCharsets.US_ASCII).strip()
                    : "(public key file missing: " + txt.getFileName() + ")";
            out.add(new PublicKeyRecord(d, k.selector(), k.algorithm(), k.selector() + "._domainkey." + d, record));
        }
        return out;
    }

    /**
     * The keys to sign a message from {@code domain} with: the domain's own, else those of the
     * nearest parent that has keys (an alias subdomain signs as its owner's domain, which DMARC's
     * relaxed alignment accepts). Empty: the message goes unsigned.
     */
    List<DkimSigner.Key> signingKeys(String domain) {
        String d;
        try {
            d = domain(domain);
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        while (d.indexOf('.') > 0) {
            List<DkimSigner.Key> keys = cached(d);
            if (!keys.isEmpty()) {
                return keys;
            }
            d = d.substring(d.indexOf('.') + 1);
        }
        return List.of();
    }

    private List<DkimSigner.Key> cached(String domain) {
        long now = System.currentTimeMillis();
        Cached c = cache.get(domain);
        if (c != null && now - c.readAt() < CACHE_MILLIS) {
            return c.keys();
        }
        List<DkimSigner.Key> keys;
        try {
            keys = read(domain);
        } catch (IOException e) {
            keys = List.of();
        }
        if (cache.size() > 10_000) {
            cache.clear();
        }
        cache.put(domain, new Cached(keys, now));
        return keys;
    }

    private List<DkimSigner.Key> read(String domain) throws IOException {
        Path dir = directory.resolve(domain);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<DkimSigner.Key> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted(Comparator.comparing(Path::toString)).toList()) {
                String name = f.getFileName().toString();
                Algorithm a = name.endsWith(".rsa.key") ? Algorithm.RSA_SHA256
                        : name.endsWith(".ed25519.key") ? Algorithm.ED25519_SHA256 : null;
                if (a == null) {
                    continue;
                }
                String selector = name.substring(0, name.indexOf('.'));
                out.add(new DkimSigner.Key(domain, selector, a, privateKey(f, a)));
            }
        }
        return out;
    }

    private static PrivateKey privateKey(Path file, Algorithm a) throws IOException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        String b64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
                .replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance(a == Algorithm.RSA_SHA256 ? "RSA" : "Ed25519")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("unreadable DKIM key " + file.getFileName(), e);
        }
    }

    private static PublicKeyRecord record(String domain, String selector, Algorithm a, PublicKey pub) {
        String p;
        if (a == Algorithm.RSA_SHA256) {
            p = Base64.getEncoder().encodeToString(pub.getEncoded());
        } else {
            byte[] spki = pub.getEncoded(); // 12 octets of algorithm identifier, then the 32-octet key
            p = Base64.getEncoder().encodeToString(Arrays.copyOfRange(spki, spki.length - 32, spki.length));
        }
        String txt = "v=DKIM1; k=" + (a == Algorithm.RSA_SHA256 ? "rsa" : "ed25519") + "; p=" + p;
        return new PublicKeyRecord(domain, selector, a, selector + "._domainkey." + domain, txt);
    }

    private static String suffix(Algorithm a) {
        return a == Algorithm.RSA_SHA256 ? "rsa" : "ed25519";
    }

    private static String domain(String domain) {
        String d = DomainName.normalize(domain);
        if (d.isEmpty() || d.contains("/") || d.contains("..") || d.startsWith(".")) {
            throw new IllegalArgumentException("not a domain: " + domain);
        }
        return d;
    }

    private static Path ownerOnlyDirectory(Path dir) throws IOException {
        for (Path p : List.of(dir.getParent(), dir)) {
            if (!Files.isDirectory(p)) {
                Files.createDirectories(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        }
        return dir;
    }
}
