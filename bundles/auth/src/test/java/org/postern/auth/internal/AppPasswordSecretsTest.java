package org.postern.auth.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AppPasswordSecretsTest {
    @Test
    void generatedSecretsAreFiveGroupsOfFiveLowercaseLettersAndDigitsWithAtLeast128Bits() {
        assertTrue(AppPasswordSecrets.LENGTH * Math.log(AppPasswordSecrets.ALPHABET.length()) / Math.log(2) >= 128);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String s = new String(AppPasswordSecrets.generate());
            assertTrue(s.matches("[a-z0-9]{5}(-[a-z0-9]{5}){4}"), s);
            assertTrue(seen.add(s), "no repeats");
        }
    }

    @Test
    void everySymbolTurnsUp() {
        Set<Character> symbols = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            for (char c : AppPasswordSecrets.generate()) {
                symbols.add(c);
            }
        }
        assertEquals(AppPasswordSecrets.ALPHABET.length() + 1, symbols.size(), "36 symbols and the separator");
    }

    @Test
    void separatorsSpacesAndCaseAreIgnored() {
        char[] canonical = "abcde12345fghij67890klmno".toCharArray();
        assertArrayEquals(canonical, AppPasswordSecrets.normalize("abcde-12345-fghij-67890-klmno".toCharArray()));
        assertArrayEquals(canonical, AppPasswordSecrets.normalize("ABCDE 12345 FGHIJ 67890 KLMNO".toCharArray()));
        assertArrayEquals(canonical, AppPasswordSecrets.normalize("abcde12345fghij67890klmno".toCharArray()));
        assertArrayEquals(canonical, AppPasswordSecrets.normalize("aBc-de1-2345fGhij6-7890klmno".toCharArray()));
    }

    @Test
    void anythingElseIsNotAnAppPassword() {
        assertNull(AppPasswordSecrets.normalize("abcde-12345-fghij-67890-klmn".toCharArray()), "too short");
        assertNull(AppPasswordSecrets.normalize("abcde-12345-fghij-67890-klmnop".toCharArray()), "too long");
        assertNull(AppPasswordSecrets.normalize("abcde-12345-fghij-67890-klmn!".toCharArray()), "punctuation");
        assertNull(AppPasswordSecrets.normalize("abcde-12345-fghij-67890-klmnö".toCharArray()), "non-ASCII");
        assertNull(AppPasswordSecrets.normalize("correct horse battery staple!".toCharArray()));
        assertNull(AppPasswordSecrets.normalize(new char[0]));
        assertNull(AppPasswordSecrets.normalize(null));
    }

    @Test
    void normalizeLeavesItsArgumentAlone() {
        char[] typed = "ABCDE-12345-FGHIJ-67890-KLMNO".toCharArray();
        char[] copy = typed.clone();
        assertNotEquals(null, AppPasswordSecrets.normalize(typed));
        assertArrayEquals(copy, typed);
    }
}
