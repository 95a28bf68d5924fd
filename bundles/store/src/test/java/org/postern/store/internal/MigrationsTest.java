package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationsTest {

    @Test
    void splitsOnSemicolonsAtLineEndsAndDropsCommentLines() {
        String script = "-- header comment\n"
                + "CREATE TABLE a (\n"
                + "  -- a comment inside a statement\n"
                + "  x INT\n"
                + ");\n"
                + "\n"
                + "   -- indented comment\n"
                + "CREATE INDEX a_x ON a (x);   \n"
                + "INSERT INTO a (x) VALUES (1);\n";
        assertEquals(List.of("CREATE TABLE a (\n  x INT\n)", "CREATE INDEX a_x ON a (x)", "INSERT INTO a (x) VALUES (1)"),
                Migrations.statements(script));
    }

    @Test
    void lastStatementNeedsNoNewlineOrSemicolon() {
        assertEquals(List.of("SELECT 1", "SELECT 2"), Migrations.statements("SELECT 1;\nSELECT 2;"));
        assertEquals(List.of("SELECT 1", "SELECT 2"), Migrations.statements("SELECT 1;\nSELECT 2"));
    }

    @Test
    void windowsLineEndingsSplitToo() {
        assertEquals(List.of("SELECT 1", "SELECT 2"), Migrations.statements("-- c\r\nSELECT 1;\r\nSELECT 2;\r\n"));
    }

    @Test
    void onlyCommentsAndBlankLinesIsNoStatement() {
        assertEquals(List.of(), Migrations.statements("-- nothing\n\n   \n-- here\n"));
    }

    @Test
    void semicolonInsideALineDoesNotSplit() {
        assertEquals(List.of("INSERT INTO t (s) VALUES ('a;b')"),
                Migrations.statements("INSERT INTO t (s) VALUES ('a;b');\n"));
    }

    @Test
    void shippedScriptsAreOnTheClassPathAndSplitCleanly() throws Exception {
        assertEquals("V001__accounts_and_domains.sql", Migrations.SCRIPTS.get(0));
        for (String script : Migrations.SCRIPTS) {
            try (InputStream in = Migrations.class.getResourceAsStream("migrations/" + script)) {
                assertNotNull(in, script);
                List<String> statements = Migrations.statements(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                // a script without SQL is one whose work is a Java step (V011, V012: generated key names)
                assertTrue(!statements.isEmpty() || Migrations.AFTER.containsKey(script), script + " does nothing");
                for (String s : statements) {
                    assertFalse(s.contains("--"), "comment left in: " + s);
                    assertFalse(s.endsWith(";"), "semicolon left in: " + s);
                }
            }
        }
    }

    @Test
    void firstScriptCreatesTheThreeTablesAndTheIndex() throws Exception {
        try (InputStream in = Migrations.class.getResourceAsStream("migrations/V001__accounts_and_domains.sql")) {
            List<String> statements = Migrations.statements(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(4, statements.size());
            assertTrue(statements.get(0).startsWith("CREATE TABLE service_domain"), statements.get(0));
            assertTrue(statements.get(1).startsWith("CREATE TABLE account"), statements.get(1));
            assertTrue(statements.get(2).startsWith("CREATE TABLE owned_domain"), statements.get(2));
            assertTrue(statements.get(3).startsWith("CREATE INDEX owned_domain_account"), statements.get(3));
        }
    }
}
