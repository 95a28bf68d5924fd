package org.postern.store.internal;

class BlobDeletionOnPostgresqlTest extends BlobDeletionTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.POSTGRESQL;
    }
}
