package org.postern.pop3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.junit.jupiter.api.Test;

/** Happy paths with a real client: Jakarta Mail's POP3 store (Eclipse Angus). */
class Pop3ClientTest extends Pop3TestSupport {
    private static final String MESSAGE = "From: sender@origin.example\r\nTo: alice@example.net\r\nSubject: Hello\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nfirst line\r\n.leading dot\r\nend\r\n";

    private Store connect(String protocol, boolean starttls) throws Exception {
        Properties p = new Properties();
        String prefix = "mail." + protocol + ".";
        p.put(prefix + "connectiontimeout", "5000");
        p.put(prefix + "timeout", "5000");
        p.put(prefix + "ssl.trust", "*");
        p.put(prefix + "ssl.checkserveridentity", "false");
        if (starttls) {
            p.put(prefix + "starttls.enable", "true");
            p.put(prefix + "starttls.required", "true");
        }
        Store s = Session.getInstance(p).getStore(protocol);
        s.connect("127.0.0.1", protocol.equals("pop3s") ? tlsPort : port, "alice@example.net", ALICE_PASSWORD);
        return s;
    }

    @Test
    void readsUidsAndDeletesOnClose() throws Exception {
        long u1 = store.add(ALICE, MESSAGE);
        long u2 = store.add(ALICE, MESSAGE.replace("Hello", "Second"));
        Store s = connect("pop3", false);
        try {
            Folder inbox = s.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertEquals(2, inbox.getMessageCount());
            Message[] messages = inbox.getMessages();
            // Angus reports LIST's size minus the header it read: the body's octets exactly
            assertEquals(MESSAGE.length() - MESSAGE.indexOf("\r\n\r\n") - 4, messages[0].getSize());
            assertEquals("Hello", messages[0].getSubject());
            assertEquals("first line\r\n.leading dot\r\nend\r\n", ((MimeMessage) messages[0]).getContent());
            assertEquals(Fakes.FileStore.UID_VALIDITY + "-" + u1, ((POP3Folder) inbox).getUID(messages[0]));
            assertEquals(Fakes.FileStore.UID_VALIDITY + "-" + u2, ((POP3Folder) inbox).getUID(messages[1]));
            messages[0].setFlag(Flags.Flag.DELETED, true);
            inbox.close(true); // QUIT: the marked message is deleted
        } finally {
            s.close();
        }
        assertEquals(List.of(u2), store.uids(ALICE));
    }

    @Test
    void closingWithoutExpungeKeepsEverything() throws Exception {
        store.add(ALICE, MESSAGE);
        Store s = connect("pop3", false);
        Folder inbox = s.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
        inbox.close(false); // RSET before QUIT
        s.close();
        assertEquals(1, store.uids(ALICE).size());
    }

    @Test
    void overStlsAndImplicitTls() throws Exception {
        store.add(ALICE, MESSAGE);
        server.trustedClient = address -> false;
        for (String protocol : List.of("pop3", "pop3s")) {
            Store s = connect(protocol, protocol.equals("pop3"));
            Folder inbox = s.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals("Hello", inbox.getMessage(1).getSubject());
            inbox.close(false);
            s.close();
        }
    }

    @Test
    void aWrongPasswordFailsTheConnect() {
        Properties p = new Properties();
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> Session.getInstance(p).getStore("pop3").connect("127.0.0.1", port, "alice@example.net", "nope"));
        assertTrue(e.getMessage().contains("[AUTH] Authentication failed"), e.getMessage());
    }
}
