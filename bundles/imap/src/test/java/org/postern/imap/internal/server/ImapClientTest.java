package org.postern.imap.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.BodyPart;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.search.SubjectTerm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.Test;

/** Angus Mail's IMAP store, a real client, against the real server over IMAPS and STARTTLS. */
class ImapClientTest extends ImapTestSupport {
    private static final String MIXED = "From: Bob <bob@example.org>\r\nTo: alice@example.net\r\n"
            + "Subject: report\r\nDate: Wed, 02 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n\r\nThe figures are attached.\r\n--b1\r\n"
            + "Content-Type: text/csv; name=\"q4.csv\"\r\nContent-Disposition: attachment; filename=\"q4.csv\"\r\n"
            + "\r\na,b\r\n1,2\r\n--b1--\r\n";

    private Store store(String protocol, int port) throws Exception {
        Properties p = new Properties();
        p.put("mail." + protocol + ".host", "127.0.0.1");
        p.put("mail." + protocol + ".port", String.valueOf(port));
        p.put("mail." + protocol + ".ssl.trust", "*");
        p.put("mail." + protocol + ".ssl.checkserveridentity", "false");
        p.put("mail." + protocol + ".starttls.enable", "true");
        p.put("mail." + protocol + ".starttls.required", protocol.equals("imap") ? "true" : "false");
        p.put("mail." + protocol + ".timeout", "30000");
        p.put("mail.debug", System.getProperty("imap.debug", "false"));
        Store s = Session.getInstance(p).getStore(protocol);
        s.connect("alice@example.net", ALICE_PASSWORD);
        return s;
    }

    @Test
    void angusReadsAMultipartMessageOverImapsAndFilesIt() throws Exception {
        super.store.ensureDefaultFolders(ALICE);
        super.store.deliver(ALICE, "INBOX", MIXED);
        Store s = store("imaps", tlsPort);
        try {
            Folder inbox = s.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertEquals(1, inbox.getMessageCount());
            Message m = inbox.getMessage(1);
            assertEquals("report", m.getSubject());
            assertEquals("Bob <bob@example.org>", m.getFrom()[0].toString());
            Multipart mp = (Multipart) m.getContent();
            assertEquals(2, mp.getCount());
            assertEquals("The figures are attached.", ((String) mp.getBodyPart(0).getContent()).trim());
            BodyPart csv = mp.getBodyPart(1);
            assertEquals("q4.csv", csv.getFileName());
            assertEquals("a,b\r\n1,2", new String(csv.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            m.writeTo(raw);
            assertEquals(MIXED, raw.toString(StandardCharsets.ISO_8859_1), "byte for byte");
            assertEquals(1, inbox.search(new SubjectTerm("REPORT")).length);

            m.setFlag(Flags.Flag.FLAGGED, true);
            assertTrue(super.store.flags(ALICE, "INBOX", 1).contains("\\Flagged"));
            ((IMAPFolder) inbox).moveMessages(new Message[] {m}, s.getFolder("Archive"));
            inbox.close(true);
            assertEquals(0, s.getFolder("INBOX").getMessageCount(), "moved out (STATUS)");
            assertTrue(super.store.uids(ALICE, "INBOX").isEmpty());

            Folder archive = s.getFolder("Archive");
            archive.open(Folder.READ_WRITE);
            assertEquals(1, archive.getMessageCount());
            assertTrue(archive.getMessage(1).isSet(Flags.Flag.FLAGGED), "flags move with the message");
            MimeMessage draft = new MimeMessage(Session.getInstance(new Properties()));
            draft.setSubject("note to self");
            draft.setText("remember");
            s.getFolder("Drafts").appendMessages(new Message[] {draft});
            assertEquals(List.of(1L), super.store.uids(ALICE, "Drafts"));
            archive.close(false);
        } finally {
            s.close();
        }
    }

    @Test
    void angusLogsInAfterStarttls() throws Exception {
        Store s = store("imap", port);
        try {
            assertTrue(s.isConnected());
            assertEquals(6, s.getDefaultFolder().list("*").length, "INBOX and the five special-use folders");
        } finally {
            s.close();
        }
    }
}
