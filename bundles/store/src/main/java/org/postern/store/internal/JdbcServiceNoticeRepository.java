package org.postern.store.internal;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.postern.core.store.ServiceNoticeRepository;

@Component(service = ServiceNoticeRepository.class)
public class JdbcServiceNoticeRepository implements ServiceNoticeRepository {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Database db;

    @Activate
    public JdbcServiceNoticeRepository(@Reference Database db) {
        this.db = db;
    }

    @Override
    public Notice add(String text, Instant now) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty() || t.length() > MAX_TEXT) {
            throw new IllegalArgumentException("a notice has 1 to " + MAX_TEXT + " characters");
        }
        byte[] raw = new byte[16];
        RANDOM.nextBytes(raw);
        Notice n = new Notice(HexFormat.of().formatHex(raw), now, t);
        db.update("INSERT INTO service_notice (id, created, notice_text) VALUES (?, ?, ?)", ps -> {
            ps.setString(1, n.id());
            ps.setLong(2, n.created().toEpochMilli());
            ps.setString(3, n.text());
        });
        return n;
    }

    @Override
    public List<Notice> list() {
        return db.query("SELECT id, created, notice_text FROM service_notice ORDER BY created DESC, id", ps -> { },
                rs -> new Notice(rs.getString(1).trim(), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3)));
    }

    @Override
    public boolean remove(String id) {
        return db.update("DELETE FROM service_notice WHERE id = ?", ps -> ps.setString(1, id)) == 1;
    }
}
