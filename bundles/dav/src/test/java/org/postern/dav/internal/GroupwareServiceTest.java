package org.postern.dav.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GroupwareServiceTest {
    @Test
    void namesAreOneReachableSegment() {
        assertTrue(GroupwareService.memberName("weekly.ics"));
        assertTrue(GroupwareService.memberName("ada@example.net.vcf"));
        assertFalse(GroupwareService.memberName("dav/x.vcf"));
        assertFalse(GroupwareService.memberName(".."));
        assertFalse(GroupwareService.memberName("a\\b"));
        assertFalse(GroupwareService.memberName("trailing "));
        assertFalse(GroupwareService.memberName("x".repeat(256)));
        assertFalse(GroupwareService.memberName(""));
    }

    @Test
    void aSafeUidNamesTheObjectAndAnyOtherGetsARandomName() {
        assertEquals("once-1@example.net.ics", GroupwareService.nameFor("once-1@example.net", ".ics"));
        String odd = GroupwareService.nameFor("a/b<c>", ".vcf");
        assertTrue(odd.matches("[0-9a-f-]{36}\\.vcf"), odd);
        assertTrue(GroupwareService.memberName(GroupwareService.nameFor("x".repeat(255), ".vcf")));
    }
}
