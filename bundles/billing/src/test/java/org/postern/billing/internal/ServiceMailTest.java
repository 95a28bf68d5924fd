package org.postern.billing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.postern.api.account.Account;
import org.postern.api.account.AccountStatus;
import org.postern.api.address.MailAddress;
import org.postern.core.billing.Plan;

/** Every template, filled with the most hostile values an account can carry, is plain text with nothing link-like. */
class ServiceMailTest {
    /** Anything a mail reader might turn into a link, or render: schemes, www, addresses, domain names, markup. */
    private static final List<Pattern> LINK_LIKE = List.of(Pattern.compile("(?i)[a-z][a-z0-9+.-]*:(//|[^\\s])"),
            Pattern.compile("(?i)www"), Pattern.compile("@"), Pattern.compile("[<>]"), Pattern.compile("(?i)href|src="),
            Pattern.compile("(?i)[a-z0-9-]+\\.[a-z]{2,}"), Pattern.compile("&[a-z#0-9]+;"));

    private static final Account HOSTILE = new Account("a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
            MailAddress.parse("www.evil-example.com.http@evil.example"), AccountStatus.ACTIVE, Instant.EPOCH, LocalDate.of(2027, 1, 31));

    static void plainAndLinkless(String body) {
        for (Pattern p : LINK_LIKE) {
            assertFalse(p.matcher(body).find(), p + " in:\n" + body);
        }
        assertTrue(body.contains("contains no links"), body);
    }

    @Test
    void everyTemplateIsPlainTextWithoutAnythingLinkLike() {
        ServiceMail mail = new ServiceMail("Postern Mail & Co");
        Plan plan = new Plan("evil.example.com", 3, Plan.Unit.MONTHS, new BigDecimal("12.5"), "EUR", false);
        Map<String, String> values = Map.of("expires", ServiceMail.day(LocalDate.of(2027, 1, 31)), "removal",
                ServiceMail.day(LocalDate.of(2027, 5, 1)), "days", ServiceMail.days(7), "amount", "12.50 EUR", "period",
                ServiceMail.period(plan));
        for (ServiceMail.Template t : ServiceMail.Template.values()) {
            String body = mail.body(t, values);
            plainAndLinkless(body);
            assertFalse(body.contains("{"), "every placeholder filled: " + body);
            String whole = new String(mail.message(HOSTILE, t, values, Instant.parse("2027-01-24T03:00:00Z")), StandardCharsets.UTF_8);
            String head = whole.substring(0, whole.indexOf("\r\n\r\n"));
            assertTrue(head.contains("Content-Type: text/plain; charset=UTF-8"), head);
            assertTrue(head.contains("Auto-Submitted: auto-generated"), head);
            assertFalse(whole.substring(head.length()).contains(HOSTILE.address().toString()), "no address in the text");
            plainAndLinkless(whole.substring(head.length() + 4).replace("\r\n", "\n"));
        }
        assertEquals("3 months", ServiceMail.period(plan));
        assertEquals("1 day", ServiceMail.days(1));
    }

    @Test
    void aServiceNameThatCouldBeALinkIsRefused() {
        for (String bad : new String[] {"postern.example", "http://x", "Mail <x>", "", "a@b", "x".repeat(65)}) {
            assertThrows(IllegalArgumentException.class, () -> new ServiceMail(bad), bad);
        }
    }

    @Test
    void reminderDaysAreAListOfDays() {
        assertEquals(List.of(1, 7, 14), List.copyOf(LifecycleJob.reminderDays("14, 7,1")));
        assertThrows(IllegalArgumentException.class, () -> LifecycleJob.reminderDays("14,x"));
        assertThrows(IllegalArgumentException.class, () -> LifecycleJob.reminderDays("0"));
    }
}
