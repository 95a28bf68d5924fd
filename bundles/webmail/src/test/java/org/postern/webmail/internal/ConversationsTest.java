package org.postern.webmail.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postern.api.mail.Mailboxes.MessageInfo;

class ConversationsTest {
    private final List<MessageInfo> messages = new ArrayList<>();
    private final Map<Long, Envelope> envelopes = new HashMap<>();

    private void add(long uid, String subject, String id, String inReplyTo) {
        messages.add(new MessageInfo(uid, uid, uid == 3 ? Set.of() : Set.of("\\Seen"), 100, Instant.ofEpochSecond(1_000_000 + uid * 60)));
        envelopes.put(uid, new Envelope(subject, "sender " + uid, inReplyTo, id));
    }

    private List<List<Long>> groups() {
        List<List<Long>> out = new ArrayList<>();
        for (Conversations.Conversation c : Conversations.group(messages, envelopes)) {
            out.add(c.messages().stream().map(MessageInfo::uid).toList());
        }
        return out;
    }

    @Test
    void repliesJoinWhatTheyAnswerAndEachOtherNewestConversationFirst() {
        add(1, "Lunch?", "<1@a>", null);
        add(2, "Invoice", "<2@a>", null);
        add(3, "Re: Lunch?", "<3@b>", "<1@a>");
        add(4, "Re: Re: Lunch?", "<4@a>", "<3@b>");
        // two answers to a message of ours that is in Sent, not here
        add(5, "Re: Plans", "<5@c>", "<sent@me>");
        add(6, "Re: Plans", "<6@d>", "<sent@me>");
        assertEquals(List.of(List.of(5L, 6L), List.of(1L, 3L, 4L), List.of(2L)), groups());
        Conversations.Conversation lunch = Conversations.group(messages, envelopes).get(1);
        assertEquals("Lunch?", lunch.subject());
        assertEquals("sender 4", lunch.from());
        assertEquals(1, lunch.unseen());
    }

    @Test
    void aReplyWithoutInReplyToJoinsByItsSubjectButEqualSubjectsAloneDoNot() {
        add(1, "[team] Weekly report", "<1@a>", null);
        add(2, "Weekly report", "<2@a>", null);
        add(3, "AW: [team] weekly  REPORT", "<3@b>", null);
        add(4, "Hello", "<4@a>", null);
        add(5, "Hello", "<5@a>", null);
        List<List<Long>> g = groups();
        assertTrue(g.contains(List.of(1L, 3L)), g.toString());
        assertTrue(g.contains(List.of(2L)) && g.contains(List.of(4L)) && g.contains(List.of(5L)), g.toString());
    }

    @Test
    void messagesWithoutEnvelopesStandAlone() {
        add(1, null, null, null);
        add(2, null, null, null);
        envelopes.clear();
        assertEquals(2, groups().size());
    }

    @Test
    void envelopesAreReadFromTheStoredImapText() {
        Envelope e = Envelope.parse("(\"Thu, 3 Dec 2026 10:00:00 +0000\" \"=?UTF-8?B?R3LDvMOfZQ==?=\" "
                + "((\"=?UTF-8?Q?J=C3=BCrgen?=\" NIL \"j\" \"example.net\")) NIL NIL ((NIL NIL \"me\" \"example.org\")) NIL NIL "
                + "\"<parent@x> (comment)\" \"<self@x>\")");
        assertEquals("Grüße", e.subject());
        assertEquals("Jürgen", e.from());
        assertEquals("<parent@x>", e.inReplyTo());
        assertEquals("<self@x>", e.messageId());
        Envelope literal = Envelope.parse("(NIL {6}\r\nA\"b\\c) ((NIL NIL \"x\" \"y.z\")) NIL NIL NIL NIL NIL NIL NIL)");
        assertEquals("A\"b\\c)", literal.subject());
        assertEquals("x@y.z", literal.from());
        assertNull(literal.messageId());
        for (String hostile : new String[] {"", "(", "(\"unterminated", "({99}\r\nab)", "({-1}\r\n)", "(".repeat(50), "x"}) {
            assertEquals(Envelope.NONE, Envelope.parse(hostile), hostile);
        }
        assertFalse(Conversations.isReply("Weekly report"));
        assertTrue(Conversations.isReply("[list] Re: x"));
    }
}
