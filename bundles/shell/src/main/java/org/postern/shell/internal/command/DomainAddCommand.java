package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.api.account.DomainService;

@Command(scope = "postern", name = "domain-add", description = "Add a service domain (addresses are issued at it)")
@Service
public class DomainAddCommand extends PosternCommand {
    @Reference(optional = true)
    DomainService domains;

    @Argument(index = 0, name = "domain", required = true, description = "e.g. example.net")
    String domain;

    @Override
    void run() {
        String name = require(domains, "the accounts service").addServiceDomain(domain);
        out().println("service domain " + name + " added");
    }
}
