package org.postern.shell.internal.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.postern.api.mail.Mailboxes.QuotaUsage;

class AccountQuotaCommandTest {
    @Test
    void sizesAreBinaryWithAnOptionalUnit() {
        assertEquals(500L << 20, AccountQuotaCommand.parse("500M"));
        assertEquals(2L << 30, AccountQuotaCommand.parse("2G"));
        assertEquals(2L << 30, AccountQuotaCommand.parse("2g"));
        assertEquals(2L << 30, AccountQuotaCommand.parse("2GiB"));
        assertEquals(2L << 30, AccountQuotaCommand.parse("2GB"));
        assertEquals(1L << 40, AccountQuotaCommand.parse("1T"));
        assertEquals(64L << 10, AccountQuotaCommand.parse("64K"));
        assertEquals(12345L, AccountQuotaCommand.parse("12345"));
        assertEquals(0L, AccountQuotaCommand.parse("0"), "unlimited");
        assertNull(AccountQuotaCommand.parse("default"));
        assertNull(AccountQuotaCommand.parse("DEFAULT"));
    }

    @Test
    void anythingElseIsRefused() {
        for (String bad : new String[] {"", "-1", "1.5G", "2X", "G", "lots", "2 G", "5iB", "99999999999999999999"}) {
            assertThrows(PosternCommand.CommandFailure.class, () -> AccountQuotaCommand.parse(bad), bad);
        }
        assertThrows(PosternCommand.CommandFailure.class, () -> AccountQuotaCommand.parse("9000000T"), "beyond a long");
    }

    @Test
    void usageIsShownForPeople() {
        assertEquals("1.5 KiB used of 2 GiB (default)",
                AccountQuotaCommand.usage(new QuotaUsage(1536, 2L << 30), OptionalLong.empty()));
        assertEquals("0 bytes used no limit (this account's)",
                AccountQuotaCommand.usage(new QuotaUsage(0, 0), OptionalLong.of(0)));
        assertEquals("500 MiB used of 500 MiB (this account's), FULL: mail is refused",
                AccountQuotaCommand.usage(new QuotaUsage(500L << 20, 500L << 20), OptionalLong.of(500L << 20)));
        assertEquals("unlimited", AccountQuotaCommand.limit(0));
    }
}
