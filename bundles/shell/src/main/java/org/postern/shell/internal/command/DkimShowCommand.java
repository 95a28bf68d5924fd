package org.postern.shell.internal.command;

import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.submission.DkimKeys;

@Command(scope = "postern", name = "dkim-show", description = "Print a domain's DKIM TXT records (public keys only)")
@Service
public class DkimShowCommand extends PosternCommand {
    @Reference(optional = true)
    DkimKeys keys;

    @Argument(index = 0, name = "domain", required = true, description = "the domain")
    String domain;

    @Override
    void run() throws Exception {
        List<DkimKeys.PublicKeyRecord> all;
        try {
            all = require(keys, "the submission service (feature postern-submission)").list(domain);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
        if (all.isEmpty()) {
            out().println(domain + " has no DKIM key: its mail goes unsigned (postern:dkim-create " + domain + ")");
            return;
        }
        for (DkimKeys.PublicKeyRecord r : all) {
            out().println(r.dnsName() + ". IN TXT \"" + r.txt() + "\"");
        }
    }
}
