package org.postern.api.mail;

import java.util.Objects;

/**
 * Who handed us a message: its IP, the name it gave in EHLO, and its forward-confirmed reverse
 * DNS name (null when the reverse and forward lookups do not agree). Stored with every message so
 * the webmail can offer Block List rules for it.
 */
public final class SendingServer {
    private final String ip;
    private final String ehloName;
    private final String confirmedName;

    public SendingServer(String ip, String ehloName, String confirmedName) {
        this.ip = Objects.requireNonNull(ip);
        this.ehloName = ehloName;
        this.confirmedName = confirmedName;
    }

    public String ip() {
        return ip;
    }

    public String ehloName() {
        return ehloName;
    }

    public String confirmedName() {
        return confirmedName;
    }

    @Override
    public String toString() {
        return (confirmedName == null ? "unknown" : confirmedName) + " [" + ip + "] (EHLO " + ehloName + ")";
    }
}
