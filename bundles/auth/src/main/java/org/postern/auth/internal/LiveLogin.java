package org.postern.auth.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.postern.api.address.MailAddress;
import org.postern.api.auth.Login;
import org.postern.api.auth.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A login the authenticator keeps watching until its session closes it. */
final class LiveLogin implements Login {
    private static final Logger LOG = LoggerFactory.getLogger(LiveLogin.class);

    private final String accountId;
    private final MailAddress address;
    private final Protocol protocol;
    /** The app password's row id; null for the account password (bridge mode, webmail). */
    private final String appPasswordId;
    /** For the account password: its stamp when this login was made. */
    private final String passwordStamp;
    private final Consumer<LiveLogin> onClose;
    private final List<Runnable> actions = new ArrayList<>();
    private boolean revoked;
    private boolean closed;

    LiveLogin(String accountId, MailAddress address, Protocol protocol, String appPasswordId, String passwordStamp,
            Consumer<LiveLogin> onClose) {
        this.passwordStamp = passwordStamp;
        this.accountId = accountId;
        this.address = address;
        this.protocol = protocol;
        this.appPasswordId = appPasswordId;
        this.onClose = onClose;
    }

    @Override
    public String accountId() {
        return accountId;
    }

    @Override
    public MailAddress address() {
        return address;
    }

    @Override
    public Protocol protocol() {
        return protocol;
    }

    String appPasswordId() {
        return appPasswordId;
    }

    String passwordStamp() {
        return passwordStamp;
    }

    @Override
    public synchronized boolean isRevoked() {
        return revoked;
    }

    @Override
    public void onRevoked(Runnable action) {
        synchronized (this) {
            if (!revoked) {
                actions.add(action);
                return;
            }
        }
        run(action);
    }

    /** Marks this login revoked and runs its actions, once. */
    void revoke() {
        List<Runnable> toRun;
        synchronized (this) {
            if (revoked) {
                return;
            }
            revoked = true;
            toRun = new ArrayList<>(actions);
            actions.clear();
        }
        toRun.forEach(LiveLogin::run);
    }

    private static void run(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("Postern auth: a session's revocation action failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            actions.clear();
        }
        onClose.accept(this);
    }

    @Override
    public String toString() {
        return "Login[" + protocol + " " + accountId + (appPasswordId == null ? " account password" : " app password") + "]";
    }
}
