package org.postern.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class PortOffsetTest {

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  ", "0", " 0 "})
    void missingBlankOrZeroLeavesPortsAlone(String value) {
        PortOffset none = PortOffset.of(value);
        assertEquals(0, none.value());
        assertEquals(2525, none.apply(2525));
        assertEquals(25, none.apply(25));
        assertEquals(65535, none.apply(65535));
    }

    @Test
    void anOffsetShiftsEveryPort() {
        PortOffset o = PortOffset.of("100");
        assertEquals(100, o.value());
        assertEquals(125, o.apply(25));
        assertEquals(2625, o.apply(2525));
        assertEquals(8543, o.apply(8443));
        assertEquals(2625, PortOffset.of(" 100 ").apply(2525), "surrounding blanks are tolerated");
    }

    @Test
    void theEphemeralPortStaysEphemeral() {
        assertEquals(0, PortOffset.of("100").apply(0));
        assertEquals(0, PortOffset.of("10000").apply(0));
    }

    @Test
    void theLimitsAreAccepted() {
        assertEquals(10_001, PortOffset.of("10000").apply(1));
        assertEquals(65535, PortOffset.of("10000").apply(55535));
        assertEquals(65535, PortOffset.of("1").apply(65534));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.5", "0x10", "+-1", "100 0", "99999999999"})
    void aValueThatIsNoWholeNumberIsRefusedNamingTheProperty(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PortOffset.of(value));
        assertTrue(e.getMessage().startsWith("postern.port.offset = '" + value + "' is not a whole number"),
                e.getMessage());
        assertTrue(e.getMessage().contains("0..10000"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "10001", "65535"})
    void anOffsetOutsideTheRangeIsRefusedNamingTheProperty(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PortOffset.of(value));
        assertTrue(e.getMessage().startsWith("postern.port.offset = " + value.trim() + " is outside 0..10000"),
                e.getMessage());
    }

    @Test
    void aShiftedPortAbove65535IsRefusedWithPortOffsetAndResult() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PortOffset.of("100").apply(65500));
        assertEquals("port 65500 + postern.port.offset 100 = 65600 is above 65535", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void aConfiguredPortOutsideTheTcpRangeIsRefused(int port) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PortOffset.of("0").apply(port));
        assertTrue(e.getMessage().contains("outside 0..65535"), e.getMessage());
    }

    @Test
    void theSystemPropertyIsReadEachTime() {
        String before = System.getProperty(PortOffset.PROPERTY);
        try {
            System.clearProperty(PortOffset.PROPERTY);
            assertEquals(0, PortOffset.fromSystemProperty().value());
            System.setProperty(PortOffset.PROPERTY, "100");
            assertEquals(2625, PortOffset.fromSystemProperty().apply(2525));
            System.setProperty(PortOffset.PROPERTY, "lots");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, PortOffset::fromSystemProperty);
            assertTrue(e.getMessage().contains(PortOffset.PROPERTY), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(PortOffset.PROPERTY);
            } else {
                System.setProperty(PortOffset.PROPERTY, before);
            }
        }
    }

    @Test
    void equalOffsetsAreEqual() {
        assertEquals(PortOffset.of("7"), PortOffset.of(" 7"));
        assertEquals(PortOffset.of(""), PortOffset.of("0"));
        assertEquals("postern.port.offset = 7", PortOffset.of("7").toString());
    }
}
