package org.postern.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class MigrationsOnPostgresqlTest extends MigrationsOnDatabaseTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.POSTGRESQL;
    }

    /** Another schema's tables (another instance's, with currentSchema= in its URL) are not ours. */
    @Test
    void aTableOfTheSameNameInAnotherSchemaIsNotOurs() throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA other");
            st.execute("CREATE TABLE other.postern_schema (version INT NOT NULL PRIMARY KEY, "
                    + "script VARCHAR(200) NOT NULL, applied BIGINT NOT NULL, checksum VARCHAR(64))");
            st.execute("INSERT INTO other.postern_schema VALUES (99, 'V099__future.sql', 0, NULL)");
        }
        assertEquals(Migrations.SCRIPTS.size(), new Migrations(this::connect).apply());
    }
}
