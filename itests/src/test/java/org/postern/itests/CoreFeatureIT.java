package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.postern.api.account.AccountService;
import org.postern.api.account.AddressResolver;
import org.postern.api.account.DomainService;
import org.postern.api.store.BlobStore;
import org.postern.api.store.StoreInfo;

/** The postern features in the real distribution: installed, wired, and a store restart loses nothing. */
public class CoreFeatureIT extends PosternTestSupport {

    @Test
    public void distributionBootsEveryPosternFeatureAndItsServices() throws Exception {
        for (String f : new String[] {"postern-core", "postern-api", "postern-auth", "postern-pop3", "postern-policy", "postern-mailstore",
            "postern-protocol", "postern-smtp"}) {
            assertTrue(f + " installed", features.isInstalled(features.getFeature(f)));
        }
        await(AccountService.class, 30);
        await(DomainService.class, 30);
        await(AddressResolver.class, 30);
        await(BlobStore.class, 30);
        StoreInfo store = await(StoreInfo.class, 30);
        assertEquals(PosternProcess.SCHEMA_VERSION, store.schemaVersion());
        assertTrue(store.jdbcUrl(), store.jdbcUrl().startsWith("jdbc:derby:"));

        Path base = Paths.get(System.getProperty("karaf.base")).toRealPath();
        Path data = store.dataDirectory().toRealPath();
        assertEquals("data lives in ${karaf.base}/postern-data", base.resolve("postern-data"), data);
        assertFalse("never inside Karaf's data/ cache", data.startsWith(Paths.get(System.getProperty("karaf.data")).toRealPath()));

        String status = ok("postern:status");
        assertTrue(status, status.contains("schema version: " + PosternProcess.SCHEMA_VERSION));
        assertTrue(status, status.contains("feature:        postern-core"));
        assertTrue(status, status.contains("Started"));
    }

    @Test
    public void bundleRestartOfTheStoreKeepsDataAndServicesComeBack() throws Exception {
        await(AccountService.class, 30);
        ok("postern:domain-add restart.example");
        ok("postern:account-add r1@restart.example --password-file " + passwordFile("restart password"));
        Bundle store = storeBundle();
        assertNotNull(store);
        store.stop();
        awaitGone(StoreInfo.class, 30);
        Result down = shell("postern:account-list");
        assertTrue("commands say the service is down, not 'command not found': " + down, down.failed()
                && down.error().contains("not running"));
        store.start();
        AccountService accounts = await(AccountService.class, 30);
        assertTrue(accounts.find("r1@restart.example").isPresent());
        assertTrue(ok("postern:account-list").contains("r1@restart.example"));
    }

    private Bundle storeBundle() {
        for (Bundle b : bundleContext.getBundles()) {
            if (b.getSymbolicName().equals("postern-store")) {
                return b;
            }
        }
        return null;
    }


    /** A bundle with just this manifest, as a plugin author's jar would be. */
    private static java.io.InputStream bundleJar(String name, String importPackage) throws Exception {
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        m.getMainAttributes().putValue("Manifest-Version", "1.0");
        m.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
        m.getMainAttributes().putValue("Bundle-SymbolicName", name);
        m.getMainAttributes().putValue("Bundle-Version", "1.0.0");
        m.getMainAttributes().putValue("Import-Package", importPackage);
        java.io.ByteArrayOutputStream jar = new java.io.ByteArrayOutputStream();
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(jar, m)) {
            out.flush();
        }
        return new java.io.ByteArrayInputStream(jar.toByteArray());
    }

    @Test
    public void aPluginCannotWireToTheRepositoriesButPosternsOwnBundlesCan() throws Exception {
        Bundle plugin = bundleContext.installBundle("test:plugin",
                bundleJar("test.plugin", "org.postern.api.store,org.postern.core.store"));
        Bundle internal = bundleContext.installBundle("test:internal",
                bundleJar("test.internal", "org.postern.core.store;postern.core=true"));
        try {
            try {
                plugin.start();
                throw new AssertionError("a plugin importing org.postern.core.store must not resolve");
            } catch (org.osgi.framework.BundleException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("org.postern.core.store"));
            }
            internal.start();
            assertEquals("asking for postern.core=true wires", Bundle.ACTIVE, internal.getState());
        } finally {
            plugin.uninstall();
            internal.uninstall();
        }
    }
}
