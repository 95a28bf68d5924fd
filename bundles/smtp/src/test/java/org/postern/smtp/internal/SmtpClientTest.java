package org.postern.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.postern.api.mail.IncomingMessage;

/** Happy paths with a real client: Jakarta Mail (Eclipse Angus). */
class SmtpClientTest extends SmtpTestSupport {

    private Session session(boolean starttls) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.localhost", "client.example.org");
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "5000");
        p.put("mail.smtp.allow8bitmime", "true");
        if (starttls) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
            // trust the self-signed certificate for any name (test only)
            p.put("mail.smtp.ssl.trust", "*");
            p.put("mail.smtp.ssl.checkserveridentity", "false");
        }
        return Session.getInstance(p);
    }

    private MimeMessage message(Session s, String... to) throws MessagingException {
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress("sender@origin.example"));
        for (String t : to) {
            m.addRecipient(Message.RecipientType.TO, new InternetAddress(t));
        }
        m.setSubject("Grüße aus Köln", "UTF-8");
        m.setText("Hällo Wörld\n.leading dot\nend\n", "UTF-8", "plain");
        m.setHeader("Content-Transfer-Encoding", "8bit");
        return m;
    }

    @Test
    void sendsToTwoRecipientsInClearText() throws Exception {
        Session s = session(false);
        Transport.send(message(s, "alice@example.net", "bob@example.net"));
        assertEquals(2, mailboxes.delivered.size());
        for (IncomingMessage m : mailboxes.delivered) {
            String stored = blobs.read(m.body());
            assertTrue(stored.startsWith("Received: from client.example.org (unknown [127.0.0.1])\r\n\tby "
                    + HOSTNAME + " (Postern) with ESMTP id "), stored);
            assertTrue(stored.contains("\tfor <" + m.recipient() + ">; "), stored);
            assertTrue(stored.contains("Hällo Wörld\r\n.leading dot\r\nend\r\n"), stored);
            assertEquals("sender@origin.example", m.envelopeSender());
        }
    }

    @Test
    void sendsOverStarttls() throws Exception {
        Session s = session(true);
        Transport.send(message(s, "alice@example.net"));
        assertEquals(1, mailboxes.delivered.size());
        String stored = blobs.read(mailboxes.delivered.get(0).body());
        assertTrue(stored.contains(") with ESMTPS id "), stored);
    }

    @Test
    void anUnknownRecipientFailsTheSendAndNothingIsDelivered() throws Exception {
        Session s = session(true);
        SendFailedException e = assertThrows(SendFailedException.class,
                () -> Transport.send(message(s, "alice@example.net", "nobody@example.net")));
        assertEquals(1, e.getInvalidAddresses().length);
        assertEquals("nobody@example.net", e.getInvalidAddresses()[0].toString());
        assertEquals(0, mailboxes.delivered.size(), "Jakarta Mail sends nothing when a recipient is invalid");
    }
}
