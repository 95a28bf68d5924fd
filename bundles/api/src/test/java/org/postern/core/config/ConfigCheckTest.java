package org.postern.core.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigCheckTest {
    private static final String PID = "org.postern.test";

    private static ConfigCheck check(String key, Object value) {
        Map<String, Object> props = new HashMap<>();
        props.put(key, value);
        return ConfigCheck.of(PID, props);
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "false", "TRUE", "False", " true "})
    void booleanAcceptsTrueAndFalseInAnyCase(String value) {
        assertEquals(List.of(), check("flag", value).isBoolean("flag").problems());
    }

    @Test
    void booleanAcceptsBooleanObjectsAndAbsentKeys() {
        assertEquals(List.of(), check("flag", Boolean.FALSE).isBoolean("flag").problems());
        assertEquals(List.of(), ConfigCheck.of(PID, Map.of()).isBoolean("flag").problems());
        assertEquals(List.of(), ConfigCheck.of(PID, null).isBoolean("flag").problems());
    }

    @ParameterizedTest
    @ValueSource(strings = {"maybe", "yes", "1", "", "truee"})
    void booleanRejectsAnythingElse(String value) {
        List<String> problems = check("flag", value).isBoolean("flag").problems();
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("flag"), problems.get(0));
    }

    @Test
    void longAcceptsNumbersAndNumericStringsInRange() {
        assertEquals(List.of(), check("n", "42").isLong("n", 1, 100).problems());
        assertEquals(List.of(), check("n", " 7 ").isLong("n", 1, 100).problems());
        assertEquals(List.of(), check("n", 42).isLong("n", 1, 100).problems());
        assertEquals(List.of(), check("n", 100L).isLong("n", 1, 100).problems());
        assertEquals(List.of(), check("n", "1").isLong("n", 1, 100).problems());
        assertEquals(List.of(), ConfigCheck.of(PID, Map.of()).isLong("n", 1, 100).problems());
    }

    @ParameterizedTest
    @ValueSource(strings = {"lots", "1.5", "", "0x10", "99999999999999999999"})
    void longRejectsNonNumbers(String value) {
        List<String> problems = check("n", value).isLong("n", 1, 100).problems();
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("not a whole number"), problems.get(0));
    }

    @Test
    void longRejectsValuesOutsideTheRange() {
        assertEquals(1, check("n", "0").isLong("n", 1, 100).problems().size());
        assertEquals(1, check("n", 101).isLong("n", 1, 100).problems().size());
        assertEquals(1, check("n", "-5").isLong("n", 1, 100).problems().size());
        assertTrue(check("n", 101).isLong("n", 1, 100).problems().get(0).contains("1..100"));
    }

    @Test
    void throwIfInvalidIsSilentWithoutProblems() {
        assertDoesNotThrow(() -> ConfigCheck.of(PID, Map.of("flag", "true", "n", "5"))
                .isBoolean("flag").isLong("n", 1, 10).throwIfInvalid());
    }

    @Test
    void throwIfInvalidNamesPidKeysAndValuesOfEveryProblem() {
        ConfigCheck c = ConfigCheck.of(PID, Map.of("blob.fsync", "maybe", "size", "lots"))
                .isBoolean("blob.fsync").isLong("size", 1, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::throwIfInvalid);
        String m = e.getMessage();
        assertTrue(m.contains(PID), m);
        assertTrue(m.contains("blob.fsync"), m);
        assertTrue(m.contains("maybe"), m);
        assertTrue(m.contains("size"), m);
        assertTrue(m.contains("lots"), m);
    }

    @Test
    void ownProblemsAreCollectedOnlyWhenInvalid() {
        ConfigCheck c = ConfigCheck.of(PID, Map.of()).problem(false, "fine").problem(true, "port clash");
        assertEquals(List.of("port clash"), c.problems());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::throwIfInvalid);
        assertTrue(e.getMessage().contains("port clash"), e.getMessage());
    }

    @Test
    void problemsListCannotBeModifiedByCaller() {
        ConfigCheck c = check("flag", "maybe").isBoolean("flag");
        assertThrows(UnsupportedOperationException.class, () -> c.problems().clear());
        assertEquals(1, c.problems().size());
    }
}
