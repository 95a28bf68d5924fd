package org.postern.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;
import org.osgi.framework.Bundle;
import org.postern.api.account.AccountService;
import org.postern.api.store.StoreInfo;
import org.postern.core.account.PasswordVerifier;

/** Hot redeployment of the core feature: every account, domain and password survives. */
public class FeatureRedeployIT extends PosternTestSupport {

    @Test
    public void featureUninstallAndInstallOfPosternCoreKeepsEveryAccount() throws Exception {
        await(AccountService.class, 30);
        ok("postern:domain-add reinstall.example");
        ok("postern:account-add a1@reinstall.example --password-file " + passwordFile("first password 1"));
        ok("postern:account-add a2@reinstall.example --password-file " + passwordFile("second password 2"));
        ok("postern:account-domain-add a2@reinstall.example a2-company.example");

        // The API stays, as it would for an installed third-party plugin (and for this probe).
        install("postern-api");
        // The distribution boots each capability; the core goes when nothing that needs it is left.
        for (String f : new String[] {"postern-billing", "postern-webmail", "postern-https", "postern-dav", "postern-submission", "postern-imap", "postern-pop3", "postern-smtp", "postern-protocol",
            "postern-mailstore", "postern-policy", "postern-auth", "postern-core"}) {
            uninstall(f);
        }
        assertGone();

        // The operator's cycle: feature:install postern-core, feature:uninstall postern-core, feature:install postern-core.
        install("postern-core");
        assertAccountsIntact();
        uninstall("postern-core");
        assertGone();
        install("postern-core");
        assertAccountsIntact();

        install("postern");
        assertTrue(features.isInstalled(features.getFeature("postern")));
        assertTrue(ok("postern:status").contains("schema version: " + PosternProcess.SCHEMA_VERSION));
    }

    private void assertGone() throws Exception {
        awaitGone(AccountService.class, 30);
        awaitGone(StoreInfo.class, 30);
        for (Bundle b : bundleContext.getBundles()) {
            assertFalse("postern-store uninstalled", b.getSymbolicName().equals("postern-store"));
        }
    }

    private void assertAccountsIntact() throws Exception {
        AccountService accounts = await(AccountService.class, 60);
        assertTrue(accounts.find("a1@reinstall.example").isPresent());
        assertTrue(accounts.find("a2@reinstall.example").isPresent());
        assertEquals("a2@reinstall.example", ok("postern:resolve x@a2-company.example").trim());
        String id = accounts.find("a1@reinstall.example").get().id();
        PasswordVerifier passwords = await(PasswordVerifier.class, 60);
        assertTrue("password survived", passwords.verifyPassword(id, "first password 1".toCharArray()));
    }
}
