package org.postern.shell.internal.command;

import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.billing.LedgerEntry;

@Command(scope = "postern", name = "ledger", description = "Show an account's ledger rows, oldest first")
@Service
public class LedgerCommand extends BillingCommand {
    @Argument(index = 0, name = "account", required = true, description = "the account's address")
    String account;

    @Override
    void runBilling() {
        List<LedgerEntry> rows = billing().ledger(account);
        if (rows.isEmpty()) {
            out().println("no ledger rows: the account has had no billing event yet");
            return;
        }
        out().println("reference " + rows.get(0).accountRef());
        for (LedgerEntry e : rows) {
            out().println(line(e));
        }
    }
}
