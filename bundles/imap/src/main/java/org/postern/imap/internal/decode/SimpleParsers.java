package org.postern.imap.internal.decode;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Parsers of the commands whose arguments fit in a few lines each. */
final class SimpleParsers {
    /** Capabilities in one ENABLE. */
    static final int MAX_ENABLE = 64;
    /** Resources in one SETQUOTA. */
    static final int MAX_QUOTA_RESOURCES = 32;

    private SimpleParsers() {
    }

    /** LOGIN userid password. */
    static ImapRequest login(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String user = in.astring();
        in.sp();
        String password = in.astring();
        return new ImapRequest.Login(tag, user, password);
    }

    /** AUTHENTICATE mechanism [SP (base64 / "=")] (RFC 4959 SASL-IR). */
    static ImapRequest authenticate(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String mechanism = in.word();
        byte[] initial = null;
        if (in.trySp()) {
            initial = base64(in, in.atom());
        }
        return new ImapRequest.Authenticate(tag, mechanism, initial);
    }

    /** A SASL response: base64, or "=" for an empty one. */
    static byte[] base64(ImapReader in, String text) throws ImapDecodeException {
        if (text.equals("=")) {
            return new byte[0];
        }
        if (text.length() % 4 != 0) {
            throw in.error("Invalid base64");
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw in.error("Invalid base64");
        }
    }

    /** ENABLE 1*(SP capability). */
    static ImapRequest enable(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        List<String> caps = new ArrayList<>();
        in.sp();
        do {
            if (caps.size() == MAX_ENABLE) {
                throw in.error("Too many capabilities");
            }
            caps.add(in.word());
        } while (in.trySp());
        return new ImapRequest.Enable(tag, caps);
    }

    /** SELECT / EXAMINE mailbox [SP "(" select-param *(SP select-param) ")"]; only CONDSTORE is known. */
    static ImapRequest select(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String mailbox = in.mailbox();
        boolean condstore = false;
        if (in.trySp()) {
            in.expect('(');
            if (!in.tryChar(')')) {
                do {
                    String p = in.word();
                    if (!p.equals("CONDSTORE")) {
                        throw in.error("Unknown " + c + " parameter");
                    }
                    condstore = true;
                } while (in.trySp());
                in.expect(')');
            }
        }
        return new ImapRequest.Select(tag, c, mailbox, condstore);
    }

    /** CREATE mailbox [SP "(" "USE" SP "(" [use-attr *(SP use-attr)] ")" ")"] (RFC 6154). */
    static ImapRequest create(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String mailbox = in.mailbox();
        List<String> use = new ArrayList<>();
        if (in.trySp()) {
            in.expect('(');
            if (!in.word().equals("USE")) {
                throw in.error("Unknown CREATE parameter");
            }
            in.sp();
            in.expect('(');
            if (!in.tryChar(')')) {
                do {
                    in.expect('\\');
                    in.addFlag(use, "\\" + capitalised(in.atom()), 16);
                } while (in.trySp());
                in.expect(')');
            }
            in.expect(')');
        }
        return new ImapRequest.Create(tag, mailbox, use);
    }

    private static String capitalised(String atom) {
        return atom.substring(0, 1).toUpperCase(Locale.ROOT) + atom.substring(1).toLowerCase(Locale.ROOT);
    }

    /** DELETE, SUBSCRIBE, UNSUBSCRIBE, GETQUOTAROOT: SP mailbox. */
    static ImapRequest onMailbox(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        return new ImapRequest.OnMailbox(tag, c, in.mailbox());
    }

    /** RENAME mailbox SP mailbox. */
    static ImapRequest rename(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String from = in.mailbox();
        in.sp();
        return new ImapRequest.Rename(tag, from, in.mailbox());
    }

    /** EXPUNGE, or UID EXPUNGE SP sequence-set (RFC 4315). */
    static ImapRequest expunge(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        if (!uid) {
            return new ImapRequest.Expunge(tag, false, null);
        }
        in.sp();
        return new ImapRequest.Expunge(tag, true, in.sequenceSet(ImapRequestParser.MAX_RANGES));
    }

    /** [UID] COPY / MOVE sequence-set SP mailbox. */
    static ImapRequest transfer(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        SequenceSet set = in.sequenceSet(ImapRequestParser.MAX_RANGES);
        in.sp();
        return new ImapRequest.Transfer(tag, c, uid, set, in.mailbox());
    }

    /** GETQUOTA quota-root (an astring, not a mailbox name). */
    static ImapRequest getQuota(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        return new ImapRequest.GetQuota(tag, in.astring());
    }

    /** SETQUOTA quota-root SP "(" [resource SP number64 *(SP resource SP number64)] ")" (RFC 9208). */
    static ImapRequest setQuota(ImapReader in, String tag, Command c, boolean uid) throws ImapDecodeException {
        in.sp();
        String root = in.astring();
        in.sp();
        in.expect('(');
        Map<String, Long> limits = new LinkedHashMap<>();
        if (!in.tryChar(')')) {
            do {
                if (limits.size() == MAX_QUOTA_RESOURCES) {
                    throw in.error("Too many quota resources");
                }
                String resource = in.word();
                in.sp();
                if (limits.put(resource, in.number64()) != null) {
                    throw in.error("Quota resource given twice");
                }
            } while (in.trySp());
            in.expect(')');
        }
        return new ImapRequest.SetQuota(tag, root, limits);
    }
}
