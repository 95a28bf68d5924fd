package org.postern.shell.internal.command;

import java.time.temporal.ChronoUnit;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.store.ServiceNoticeRepository;

@Command(scope = "postern", name = "notice-list", description = "List the notices webmail users see, newest first")
@Service
public class NoticeListCommand extends NoticeCommand {
    @Override
    void run() {
        for (ServiceNoticeRepository.Notice n : notices().list()) {
            out().println(n.id() + "  " + n.created().truncatedTo(ChronoUnit.SECONDS) + "  " + n.text());
        }
    }
}
