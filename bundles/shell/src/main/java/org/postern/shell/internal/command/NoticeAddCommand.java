package org.postern.shell.internal.command;

import java.time.Instant;
import java.util.List;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.postern.core.store.ServiceNoticeRepository;

@Command(scope = "postern", name = "notice-add", description = "Show a notice to every webmail user (plain text, up to 2000 characters)")
@Service
public class NoticeAddCommand extends NoticeCommand {
    @Argument(index = 0, name = "text", required = true, multiValued = true, description = "the notice; quote it or give it as words")
    List<String> words;

    @Override
    void run() {
        try {
            ServiceNoticeRepository.Notice n = notices().add(String.join(" ", words), Instant.now());
            out().println("notice " + n.id() + " added");
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }
}
