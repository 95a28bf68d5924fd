package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.Before;
import org.junit.Test;
import org.postern.api.account.AccountService;
import org.postern.api.auth.Authenticator;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.postern.api.store.DataDirectory;
import org.postern.core.auth.AppPasswords;

/**
 * The authentication service and the operator's app password and lock commands in the
 * distribution, on its embedded Derby: what the commands print, that the printed password logs in
 * with its scopes and networks, and that deleting it or locking the account ends a live login.
 * The protocols' own refusals (the same reply for every cause) are tested with their clients.
 */
public class AuthIT extends PosternTestSupport {
    private Authenticator auth;
    private String account;
    private static final String ACCOUNT_PASSWORD = "an account password 1234";

    @Before
    public void ownAccount() throws Exception {
        auth = await(Authenticator.class, 60);
        await(AppPasswords.class, 60);
        await(AccountService.class, 60);
        String unique = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        ok("postern:domain-add " + unique + ".example.net");
        account = "alice@" + unique + ".example.net";
        ok("postern:account-add " + account + " --password-file " + passwordFile(ACCOUNT_PASSWORD));
    }

    private Optional<Login> login(Protocol p, String secret, String from) throws Exception {
        return auth.login(p, account, secret.toCharArray(), InetAddress.getByName(from)).toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
    }

    private String create(String options) {
        String out = ok("postern:app-password-create " + account + " " + options);
        String[] lines = out.strip().split("\\R");
        String last = lines[lines.length - 1].strip();
        assertTrue("the password alone on the last line: " + out, last.matches("[a-z0-9]{5}(-[a-z0-9]{5}){4}"));
        return last;
    }

    private static void awaitRevoked(Login l) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!l.isRevoked() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue("revoked within a few seconds", l.isRevoked());
    }

    @Test
    public void aCreatedAppPasswordLogsInWithinItsScopesAndNetworksAndIsListedWithoutItsSecret() throws Exception {
        String secret = create("--name \"Thunderbird on the laptop\" --protocols imap,pop3 --cidr 127.0.0.0/8,::1 --expires 2099-12-31");
        assertTrue(login(Protocol.IMAP, secret, "127.0.0.1").isPresent());
        assertTrue(login(Protocol.POP3, secret.toUpperCase().replace("-", ""), "::1").isPresent());
        assertFalse("not in its scopes", login(Protocol.SMTP, secret, "127.0.0.1").isPresent());
        assertFalse("not from its networks", login(Protocol.IMAP, secret, "192.0.2.1").isPresent());
        assertFalse("never the webmail", login(Protocol.WEBMAIL, secret, "127.0.0.1").isPresent());

        String list = ok("postern:app-password-list " + account);
        assertTrue(list, list.contains("Thunderbird on the laptop"));
        assertTrue(list, list.contains("imap,pop3"));
        assertTrue(list, list.contains("127.0.0.0/8,::1/128"));
        assertTrue(list, list.contains("2099-12-31"));
        assertFalse("never a secret", list.contains(secret) || list.contains(secret.replace("-", "")));
        assertFalse("used, so a last-use time", list.strip().endsWith("never"));
    }

    @Test
    public void bridgeModeEndsWithTheFirstAppPasswordAndDeletingOneEndsItsSessions() throws Exception {
        Login bridged = login(Protocol.IMAP, ACCOUNT_PASSWORD, "127.0.0.1").orElseThrow(AssertionError::new);
        String secret = create("--name phone --protocols imap");
        awaitRevoked(bridged);
        assertFalse(login(Protocol.IMAP, ACCOUNT_PASSWORD, "127.0.0.1").isPresent());
        assertTrue(login(Protocol.WEBMAIL, ACCOUNT_PASSWORD, "127.0.0.1").isPresent());

        Login phone = login(Protocol.IMAP, secret, "127.0.0.1").orElseThrow(AssertionError::new);
        assertTrue(ok("postern:app-password-delete " + account + " phone").contains("deleted"));
        awaitRevoked(phone);
        assertFalse(login(Protocol.IMAP, secret, "127.0.0.1").isPresent());
        assertTrue(shell("postern:app-password-delete " + account + " phone").failed());
        assertTrue(ok("postern:app-password-list " + account).contains("no app passwords"));
    }

    @Test
    public void lockingTheAccountEndsItsSessionsAndUnlockingLetsItBackIn() throws Exception {
        String secret = create("--name laptop --protocols imap");
        Login session = login(Protocol.IMAP, secret, "127.0.0.1").orElseThrow(AssertionError::new);
        ok("postern:account-lock " + account);
        awaitRevoked(session);
        assertFalse(login(Protocol.IMAP, secret, "127.0.0.1").isPresent());
        assertFalse(login(Protocol.WEBMAIL, ACCOUNT_PASSWORD, "127.0.0.1").isPresent());
        assertTrue(ok("postern:account-show " + account).contains("LOCKED"));
        ok("postern:account-unlock " + account);
        assertTrue(login(Protocol.IMAP, secret, "127.0.0.1").isPresent());
    }

    @Test
    public void badCommandInputIsRefusedWithAClearMessage() {
        List<String[]> cases = List.of(
                new String[] {"--name x --protocols imap,ftp", "unknown protocol 'ftp'"},
                new String[] {"--name x --protocols imap --cidr example.com", "not a network"},
                new String[] {"--name x --protocols imap --expires tomorrow", "YYYY-MM-DD"},
                new String[] {"--name x --protocols imap --expires 2001-01-01", "has passed"},
                new String[] {"--protocols imap", "--name is required"},
                new String[] {"--name x", "--protocols is required"},
                new String[] {"--name x --protocols webmail", "unknown protocol"});
        for (String[] c : cases) {
            Result r = shell("postern:app-password-create " + account + " " + c[0]);
            assertTrue(c[0] + " must fail", r.failed());
            assertTrue(c[0] + ": " + r.error(), r.error().contains(c[1]));
        }
        create("--name twice --protocols imap");
        Result dup = shell("postern:app-password-create " + account + " --name twice --protocols imap");
        assertTrue(dup.failed());
        assertTrue(dup.error(), dup.error().contains("already has an app password named 'twice'"));
        assertTrue(shell("postern:app-password-list nobody@example.invalid").failed());
    }

    @Test
    public void theKeyFileIsOwnerOnlyAndNoSecretReachesTheLog() throws Exception {
        Path key = DataDirectory.resolve().resolve("auth").resolve("app-password.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())));
        String secret = create("--name log-check --protocols imap");
        login(Protocol.IMAP, secret, "127.0.0.1").orElseThrow(AssertionError::new);
        login(Protocol.IMAP, secret + "x", "127.0.0.1");
        Path log = Paths.get(System.getProperty("karaf.log", System.getProperty("karaf.data") + "/log"), "karaf.log");
        String text = Files.readString(log);
        assertFalse(text.contains(secret));
        assertFalse(text.contains(secret.replace("-", "")));
        assertFalse(text.contains(Files.readString(key).strip()));
        assertTrue("refusals are logged with the address", text.contains("IMAP login refused from 127.0.0.1"));
    }
}
