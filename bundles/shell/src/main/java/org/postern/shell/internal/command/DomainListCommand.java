package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.DomainService;

@Command(scope = "postern", name = "domain-list", description = "List the service domains")
@Service
public class DomainListCommand extends PosternCommand {
    @Reference(optional = true)
    DomainService domains;

    @Override
    void run() {
        require(domains, "the accounts service").serviceDomains().forEach(out()::println);
    }
}
