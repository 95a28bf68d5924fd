package org.postern.shell.internal.command;

import java.util.Locale;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.submission.DkimKeys;

@Command(scope = "postern", name = "dkim-create",
        description = "Make a DKIM signing key for a domain and print the DNS TXT record to publish")
@Service
public class DkimCreateCommand extends PosternCommand {
    @Reference(optional = true)
    DkimKeys keys;

    @Argument(index = 0, name = "domain", required = true, description = "the domain mail is sent from")
    String domain;

    private static final String[] KNOWN = {"--algorithm", "--selector"};

    @Option(name = "--algorithm", description = "rsa (default: every verifier knows it) or ed25519 (RFC 8463)")
    String algorithm;

    @Option(name = "--selector", description = "the selector (letters, digits, hyphens); default: p + year and month")
    String selector;

    @Argument(index = 1, name = "options", multiValued = true, description = "the options may also follow the domain")
    java.util.List<String> tail;

    @Override
    void run() throws Exception {
        algorithm = trailingOption(tail, "--algorithm", algorithm, KNOWN);
        selector = trailingOption(tail, "--selector", selector, KNOWN);
        String alg = algorithm == null ? "rsa" : algorithm;
        DkimKeys.Algorithm a = switch (alg.toLowerCase(Locale.ROOT)) {
            case "rsa" -> DkimKeys.Algorithm.RSA_SHA256;
            case "ed25519" -> DkimKeys.Algorithm.ED25519_SHA256;
            default -> throw new CommandFailure("--algorithm is rsa or ed25519, not " + algorithm);
        };
        DkimKeys.PublicKeyRecord r;
        try {
            r = require(keys, "the submission service (feature postern-submission)").create(domain, a, selector);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
        out().println("Publish this TXT record; mail from " + r.domain() + " is signed with it from now on:");
        out().println(r.dnsName() + ". IN TXT \"" + r.txt() + "\"");
    }
}
