package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.AddressResolver;
import org.postern.api.address.MailAddress;

@Command(scope = "postern", name = "resolve",
        description = "Print the primary address of the account that receives mail for an address, or 'unknown'")
@Service
public class ResolveCommand extends PosternCommand {
    @Reference(optional = true)
    AddressResolver resolver;

    @Argument(index = 0, name = "address", required = true)
    String address;

    @Override
    void run() {
        AddressResolver r = require(resolver, "the accounts service");
        try {
            MailAddress.parse(address);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
        out().println(r.resolve(address).map(res -> res.account().address().toString()).orElse("unknown"));
    }
}
