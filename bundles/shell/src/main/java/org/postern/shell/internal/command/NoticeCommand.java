package org.postern.shell.internal.command;

import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.postern.core.store.ServiceNoticeRepository;

/** Base of the postern:notice-* commands: the notices every webmail user sees. */
abstract class NoticeCommand extends PosternCommand {
    @Reference(optional = true)
    ServiceNoticeRepository notices;

    ServiceNoticeRepository notices() {
        return require(notices, "the store's notices");
    }
}
