package org.postern.imap.internal.decode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A {@link ImapFramer.Receiver} that records what it is told, for tests. */
final class Events implements ImapFramer.Receiver {
    final List<String> log = new ArrayList<>();
    final List<FramedRequest> requests = new ArrayList<>();
    final List<Rejection> rejections = new ArrayList<>();
    int continuations;
    Rejection bye;

    @Override
    public void continuation() {
        continuations++;
        log.add("+");
    }

    @Override
    public void request(FramedRequest request) {
        requests.add(request);
        log.add("R " + request);
    }

    @Override
    public void rejected(Rejection rejection) {
        rejections.add(rejection);
        log.add(rejection.line().trim());
    }

    @Override
    public void fatal(Rejection b) {
        bye = b;
        log.add(b.line().trim());
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
