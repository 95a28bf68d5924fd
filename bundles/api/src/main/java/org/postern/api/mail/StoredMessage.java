package org.postern.api.mail;

import java.time.Instant;

/**
 * One message of a folder as a listing shows it: its UID in the folder, its size in octets (the
 * stored body's, exactly), and when it was received. Bodies are read with
 * {@link MailStore#open}. Flags, MODSEQ and the envelope come when IMAP needs them.
 */
public record StoredMessage(long uid, long size, Instant received) {
    public StoredMessage {
        if (uid < 1 || size < 0 || received == null) {
            throw new IllegalArgumentException("uid must be positive, size not negative, received given");
        }
    }
}
