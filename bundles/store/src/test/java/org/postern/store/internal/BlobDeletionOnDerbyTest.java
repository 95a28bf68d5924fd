package org.postern.store.internal;

class BlobDeletionOnDerbyTest extends BlobDeletionTest {
    @Override
    TestDatabase.Engine engine() {
        return TestDatabase.Engine.DERBY;
    }
}
